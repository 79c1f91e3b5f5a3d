# tests/report.cmake — scripts/plot, scripts/report, scripts/compare.
#
# They run on synthetic run folders written by tests/report/mkrun.py (the shape of
# scripts/bench's output, deterministic noise), so they need no benchmark run and
# depend on no machine's speed. Debian's python3 with matplotlib, scipy and numpy;
# without them the tests exit 77 (skipped) and say which is missing.
sp_add_script_test(report_compare_slowdown report/test_compare_slowdown.py LABELS report TIMEOUT 900)
sp_add_script_test(report_compare_machines report/test_compare_machines.py LABELS report TIMEOUT 900)
sp_add_script_test(report_plot_report report/test_plot_report.py LABELS report TIMEOUT 600)
sp_add_script_test(report_old_folder report/test_old_folder.py LABELS report TIMEOUT 900)
sp_add_script_test(report_bad_input report/test_bad_input.py LABELS report TIMEOUT 300)
sp_add_script_test(report_summary_agrees report/test_summary_report_agree.py LABELS report TIMEOUT 300)
sp_add_script_test(report_load_declared report/test_load_declared.py LABELS report TIMEOUT 300)
sp_add_script_test(report_load_counters report/test_load_counters.py LABELS report TIMEOUT 300)
sp_add_script_test(report_errored_rows report/test_errored_rows.py LABELS report TIMEOUT 300)
sp_add_script_test(report_index report/test_index.py LABELS report TIMEOUT 300)
sp_add_script_test(report_compare_matrix report/test_compare_matrix.py LABELS report TIMEOUT 300)
sp_add_script_test(report_compare_schema report/test_compare_schema.py LABELS report TIMEOUT 300)
sp_add_script_test(report_run_budget report/test_run_budget.py LABELS report TIMEOUT 300)
sp_add_script_test(report_stats_same_figures report/test_stats_same_figures.py LABELS report TIMEOUT 300)
