// results/index.html's script: draws the tables and the SVG charts from the embedded JSON.
// Every figure, ratio and verdict is in the data (scripts/lib/index_html.py made them with
// stats.py); this only lays them out and follows the reference the reader picks.
(function () {
  "use strict";
  var t0 = performance.now();
  var D = JSON.parse(document.getElementById("sp-data").textContent);
  var tParsed = performance.now();
  // 20 distinguishable colours: a machine keeps its colour in every chart
  var PALETTE = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf",
                 "#bcbd22", "#7f7f7f", "#393b79", "#ad494a", "#637939", "#8c6d31", "#7b4173", "#3182bd",
                 "#e6550d", "#31a354", "#756bb1", "#636363"];
  var SVGNS = "http://www.w3.org/2000/svg";
  var refKey = D.refs.length ? D.refs[0].key : null;
  // a link may name its reference: index.html#ref=m:<machine> or #ref=r:<machine>/<run>
  var hashRef = decodeURIComponent((location.hash.match(/ref=([^&]+)/) || [])[1] || "");
  if (D.refs.some(function (r) { return r.key === hashRef; })) { refKey = hashRef; }

  function $(id) { return document.getElementById(id); }
  function esc(s) {
    return String(s).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
  }
  function colour(i) { return PALETTE[i % PALETTE.length]; }
  function refMachine() {
    for (var i = 0; i < D.refs.length; i++) { if (D.refs[i].key === refKey) { return D.refs[i].machine; } }
    return -1;
  }
  function refRun() {
    for (var i = 0; i < D.refs.length; i++) { if (D.refs[i].key === refKey) { return D.refs[i].run || null; } }
    return null;
  }
  function cellText(s) { return s === "unknown" ? '<span class="unknown">unknown</span>' : esc(s); }
  function num(v) {   // axis labels only: the tables' figures come formatted from fmt.py
    if (v === 0) { return "0"; }
    var a = Math.abs(v);
    if (a >= 1000) { return Math.round(v).toLocaleString("en"); }
    return String(Number(v.toPrecision(2)));
  }
  function bytes(n) {
    var units = [["GiB", 1073741824], ["MiB", 1048576], ["KiB", 1024]];
    for (var i = 0; i < units.length; i++) {
      if (n >= units[i][1]) { return Number((n / units[i][1]).toPrecision(3)) + " " + units[i][0]; }
    }
    return n + " B";
  }

  // -- the reference selector ----------------------------------------------------------------

  function buildSelector() {
    var sel = $("ref"), html = [], group = null;
    D.refs.forEach(function (r) {
      var g = D.machines[r.machine];
      if (!r.run) {
        if (group !== null) { html.push("</optgroup>"); }
        group = g;
        html.push('<optgroup label="' + esc(g) + '">');
        html.push('<option value="' + esc(r.key) + '">machine ' + esc(r.label) + "</option>");
      } else {
        html.push('<option value="' + esc(r.key) + '">' + esc(r.label) + "</option>");
      }
    });
    if (group !== null) { html.push("</optgroup>"); }
    sel.innerHTML = html.join("");
    sel.value = refKey;
    sel.addEventListener("change", function () { setReference(sel.value); });
  }

  function setReference(key) {
    refKey = key;
    $("ref").value = key;
    drawMatrix();
    drawCharts();
    drawSystems();
  }

  // -- the matrix ----------------------------------------------------------------------------

  var TITLES = {
    ref: "the reference", na: "no figure on one side (or a reference of 0)",
    same: "the same calibrated threshold as the reference's",
    moved: "the calibrated threshold moved from the reference's: a threshold is never better or worse",
    untested: "untested: fewer than 3 values on a side"
  };

  // A cell's tooltip; a tested one is worded from [ratio, class, basis, q, lo, hi, n ref, n col,
  // smallest p] (index_html.judge_reference).
  function cellTitle(v) {
    if (v.length < 4) { return TITLES[v[1]] || ""; }
    var over = " over " + v[2] + " (" + v[6] + " v " + v[7] + ")";
    if (v[4] === null) {
      return "no difference shown: q = " + v[3] + over + "; the smallest p they allow is " + v[8];
    }
    var ci = "95% CI of the ratio [" + v[4].toFixed(2) + ", " + v[5].toFixed(2) + "]";
    if (v[1] === "better" || v[1] === "worse") { return v[1] + ": different, " + ci + ", q = " + v[3] + over; }
    return "no difference shown: " + ci + ", q = " + v[3] + over;
  }

  function drawMatrix() {
    var j = D.judged[refKey] || {}, rm = refMachine(), rr = refRun();
    var runCells = rr ? D.run_cells[rr] : null;
    var h = ["<thead><tr><th>figure</th>"];
    if (runCells) { h.push('<th class="refcol">reference run<br><span class="sub">' + esc(rr) + "</span></th>"); }
    D.machines.forEach(function (m, i) {
      h.push('<th class="mach' + (i === rm && !rr ? " refcol" : "") + '" data-ref="m:' + esc(m) + '" title="' +
             'use this machine as the reference"><span class="swatch"><i style="background:' + colour(i) +
             '"></i></span>' + esc(m) + '<br><span class="sub">' + D.runs_per_machine[i] + " run" +
             (D.runs_per_machine[i] === 1 ? "" : "s") + "</span></th>");
    });
    h.push("</tr></thead><tbody>");
    D.figures.forEach(function (f) {
      h.push('<tr data-fig="' + esc(f.key) + '"><td class="fig">' + esc(f.label) +
             ' <span class="sub">(' + esc(f.unit) + ")</span></td>");
      if (runCells) {
        h.push('<td class="refcol v-ref"><div class="val">' + cellText(runCells[f.key]) + "</div></td>");
      }
      D.cells[f.key].forEach(function (c, i) {
        var v = (j[f.key] || [])[i] || ["", "na"];
        h.push('<td class="v-' + v[1] + (i === rm && !rr ? " refcol" : "") + '" title="' + esc(cellTitle(v)) +
               '"><div class="val">' + cellText(c.text) + '</div><div class="sub">' + esc(c.sub) +
               '</div><div class="ratio">' + esc(v[0]) + (v[1] === "better" || v[1] === "worse" ? " " + v[1] : "") +
               "</div></td>");
      });
      h.push("</tr>");
    });
    h.push("</tbody>");
    var t = $("matrix");
    t.innerHTML = h.join("");
    var ths = t.querySelectorAll("th.mach");
    for (var i = 0; i < ths.length; i++) {
      ths[i].addEventListener("click", function () { setReference(this.getAttribute("data-ref")); });
    }
    var r = D.refs.filter(function (x) { return x.key === refKey; })[0];
    $("refnote").textContent = r ? "ratios are each column over " + (r.run ? "run " + r.run : r.label.replace(/ \(.*/, "")) : "";
  }

  // -- the systems table ---------------------------------------------------------------------

  var SYS_COLS = [["run", "run"], ["cpu", "CPU"], ["microarch", "microarch"], ["flags", "flags"],
                  ["kernel", "kernel"], ["mitigations", "mitigations"], ["virt", "virtualisation"],
                  ["glibc", "glibc"], ["topology", "topology"], ["methods", "method versions"],
                  ["tools", "tools"], ["date", "date (UTC)"], ["commit", "syspath commit"]];

  function drawSystems() {
    var rr = refRun(), rm = refMachine(), multi = {};
    D.refs.forEach(function (r) { if (r.run) { multi[r.run] = true; } });
    var h = ["<thead><tr>"];
    SYS_COLS.forEach(function (c) { h.push("<th>" + esc(c[1]) + "</th>"); });
    h.push("<th>files</th></tr></thead><tbody>");
    D.systems.forEach(function (s) {
      var isRef = rr ? s.run === rr : D.machines[rm] === s.machine;
      h.push('<tr class="sysrow' + (isRef ? " refrow" : "") + '">');
      SYS_COLS.forEach(function (c) {
        var v = cellText(s[c[0]]);
        if (c[0] === "run") {
          var i = D.machines.indexOf(s.machine);
          v = '<span class="swatch"><i style="background:' + colour(i) + '"></i></span>' + v;
          var key = multi[s.run] ? "r:" + s.run : "m:" + s.machine;
          v += ' <button data-ref="' + esc(key) + '" title="use as the reference">ref</button>';
        }
        h.push("<td>" + v + "</td>");
      });
      var a = function (l) { return '<a href="' + esc(l[1]) + '">' + esc(l[0]) + "</a>"; };
      var groups = [["report", s.links.filter(function (l) { return /\.md$/.test(l[1]); })],
                    ["plots", s.links.filter(function (l) { return /\.png$/.test(l[1]); })],
                    ["JSON", s.links.filter(function (l) { return /\.json$/.test(l[1]); })]];
      h.push('<td class="links">' + groups.map(function (g) {
        if (!g[1].length) { return ""; }
        if (g[0] === "report") { return g[1].map(a).join(" "); }
        return "<details><summary>" + g[1].length + " " + g[0] + "</summary>" + g[1].map(a).join(" ") + "</details>";
      }).join("") + "</td></tr>");
    });
    h.push("</tbody>");
    var t = $("systems");
    t.innerHTML = h.join("");
    var bs = t.querySelectorAll("button[data-ref]");
    for (var i = 0; i < bs.length; i++) {
      bs[i].addEventListener("click", function () { setReference(this.getAttribute("data-ref")); });
    }
  }

  // -- SVG charts ----------------------------------------------------------------------------

  function logScale(lo, hi, a, b) {
    var l0 = Math.log(lo), l1 = Math.log(hi);
    if (l1 - l0 < 1e-9) { l0 -= 0.5; l1 += 0.5; }
    return function (v) { return a + (Math.log(v) - l0) / (l1 - l0) * (b - a); };
  }
  function logTicks(lo, hi, steps) {
    var out = [], e0 = Math.floor(Math.log10(lo)), e1 = Math.ceil(Math.log10(hi));
    for (var e = e0; e <= e1; e++) {
      steps.forEach(function (s) { var v = s * Math.pow(10, e); if (v >= lo * 0.999 && v <= hi * 1.001) { out.push(v); } });
    }
    if (out.length >= 3) { return out; }
    // a narrow range (within a decade or two of 1-2-5): evenly spaced round numbers instead
    var raw = (hi - lo) / 5, mag = Math.pow(10, Math.floor(Math.log10(raw)));
    var step = [1, 2, 5, 10].map(function (k) { return k * mag; }).filter(function (s) { return s >= raw; })[0];
    out = [];
    for (var v = Math.ceil(lo / step) * step; v <= hi; v += step) { out.push(Number(v.toPrecision(6))); }
    return out;
  }
  function extent(vals) {
    vals = vals.filter(function (v) { return v !== null && v > 0; });
    if (!vals.length) { return null; }
    var lo = Math.min.apply(null, vals), hi = Math.max.apply(null, vals);
    return [lo / 1.15, hi * 1.15];
  }

  // One row per category, one dot per machine (its median) with the runs' min-max as a bar.
  function dotPlot(box, title, rows, get, unit, refOne) {
    var rm = refMachine(), nm = D.machines.length;
    var vals = [];
    rows.forEach(function (r) { D.machines.forEach(function (m) { var s = get(m, r); if (s) { vals.push(s[1], s[2]); } }); });
    if (refOne) { vals.push(1); }
    var ex = extent(vals);
    if (!ex) { box.innerHTML = '<p class="empty">' + esc(title) + ": no run has these rows</p>"; return; }
    var left = 150, right = 30, top = 26, W = 1000, bandH = Math.max(22, nm * 5 + 10);
    var H = top + rows.length * bandH + 34;
    var x = logScale(ex[0], ex[1], left, W - right);
    var p = ['<svg xmlns="' + SVGNS + '" viewBox="0 0 ' + W + " " + H + '" width="' + W + '" height="' + H +
             '" role="img" aria-label="' + esc(title) + '">'];
    p.push('<text x="' + left + '" y="16" font-weight="600">' + esc(title) + "</text>");
    rows.forEach(function (r, ri) {
      var y0 = top + ri * bandH;
      if (ri % 2 === 0) { p.push('<rect class="band" x="' + left + '" y="' + y0 + '" width="' + (W - right - left) + '" height="' + bandH + '"/>'); }
      p.push('<text x="' + (left - 8) + '" y="' + (y0 + bandH / 2 + 4) + '" text-anchor="end">' + esc(r) + "</text>");
    });
    logTicks(ex[0], ex[1], [1, 2, 3, 5]).forEach(function (v) {
      var xv = x(v).toFixed(1);
      p.push('<line class="grid" x1="' + xv + '" x2="' + xv + '" y1="' + top + '" y2="' + (H - 34) + '"/>');
      p.push('<text x="' + xv + '" y="' + (H - 18) + '" text-anchor="middle">' + num(v) + "</text>");
    });
    if (refOne && ex[0] <= 1 && ex[1] >= 1) {
      p.push('<line class="one" x1="' + x(1).toFixed(1) + '" x2="' + x(1).toFixed(1) + '" y1="' + top + '" y2="' + (H - 34) + '"/>');
    }
    p.push('<line class="axis" x1="' + left + '" x2="' + (W - right) + '" y1="' + (H - 34) + '" y2="' + (H - 34) + '"/>');
    p.push('<text x="' + ((left + W - right) / 2) + '" y="' + (H - 3) + '" text-anchor="middle">' + esc(unit) + "</text>");
    rows.forEach(function (r, ri) {
      var y0 = top + ri * bandH + 5, step = (bandH - 10) / Math.max(1, nm);
      D.machines.forEach(function (m, mi) {
        var s = get(m, r);
        if (!s) { return; }
        var y = (y0 + step * (mi + 0.5)).toFixed(1), c = colour(mi), isRef = mi === rm;
        if (s[2] > s[1]) {
          p.push('<line x1="' + x(s[1]).toFixed(1) + '" x2="' + x(s[2]).toFixed(1) + '" y1="' + y + '" y2="' + y +
                 '" stroke="' + c + '" stroke-width="' + (isRef ? 3 : 1.6) + '"/>');
        }
        p.push('<circle class="dot" cx="' + x(s[0]).toFixed(1) + '" cy="' + y + '" r="' + (isRef ? 4.5 : 3.2) +
               '" fill="' + c + '"' + (isRef ? ' stroke="#000" stroke-width="1.2"' : "") + "><title>" + esc(m) +
               ", " + esc(r) + ": " + num(s[0]) + " " + esc(unit) + "</title></circle>");
      });
    });
    p.push("</svg>");
    box.innerHTML = p.join("");
  }

  // GB/s against size: one line per machine, log-log.
  function lineChart(box, variant) {
    var series = D.charts.helpers[variant] || {}, rm = refMachine();
    var xs = [], ys = [];
    D.machines.forEach(function (m) { (series[m] || []).forEach(function (pt) { xs.push(pt[0]); ys.push(pt[2], pt[3]); }); });
    if (!xs.length) { box.innerHTML = '<p class="empty">no run has ' + esc(variant) + "</p>"; return; }
    var left = 70, right = 30, top = 26, W = 1000, H = 380, bottom = 40;
    var x = logScale(Math.min.apply(null, xs), Math.max.apply(null, xs), left, W - right);
    var ey = extent(ys), y = logScale(ey[0], ey[1], H - bottom, top);
    var p = ['<svg xmlns="' + SVGNS + '" viewBox="0 0 ' + W + " " + H + '" width="' + W + '" height="' + H +
             '" role="img" aria-label="' + esc(variant) + ' GB/s against size">'];
    p.push('<text x="' + left + '" y="16" font-weight="600">' + esc(variant) + ": GB/s against size (aligned)</text>");
    logTicks(ey[0], ey[1], [1, 2, 5]).forEach(function (v) {
      var yv = y(v).toFixed(1);
      p.push('<line class="grid" x1="' + left + '" x2="' + (W - right) + '" y1="' + yv + '" y2="' + yv + '"/>');
      p.push('<text x="' + (left - 6) + '" y="' + (+yv + 4) + '" text-anchor="end">' + num(v) + "</text>");
    });
    var sizes = xs.filter(function (v, i) { return xs.indexOf(v) === i; }).sort(function (a, b) { return a - b; });
    var every = Math.max(1, Math.ceil(sizes.length / 12));
    sizes.forEach(function (s, i) {
      if (i % every) { return; }
      p.push('<text x="' + x(s).toFixed(1) + '" y="' + (H - bottom + 16) + '" text-anchor="middle">' + bytes(s) + "</text>");
    });
    p.push('<line class="axis" x1="' + left + '" x2="' + (W - right) + '" y1="' + (H - bottom) + '" y2="' + (H - bottom) + '"/>');
    p.push('<line class="axis" x1="' + left + '" x2="' + left + '" y1="' + top + '" y2="' + (H - bottom) + '"/>');
    p.push('<text x="14" y="' + ((top + H - bottom) / 2) + '" transform="rotate(-90 14 ' + ((top + H - bottom) / 2) +
           ')" text-anchor="middle">GB/s</text>');
    p.push('<text x="' + ((left + W - right) / 2) + '" y="' + (H - 4) + '" text-anchor="middle">bytes per call</text>');
    D.machines.forEach(function (m, mi) {
      var pts = series[m] || [], c = colour(mi), isRef = mi === rm;
      if (!pts.length) { return; }
      pts.forEach(function (pt) {
        if (pt[3] > pt[2]) {
          p.push('<line x1="' + x(pt[0]).toFixed(1) + '" x2="' + x(pt[0]).toFixed(1) + '" y1="' + y(pt[2]).toFixed(1) +
                 '" y2="' + y(pt[3]).toFixed(1) + '" stroke="' + c + '" stroke-width="1.2"/>');
        }
      });
      p.push('<polyline class="line" fill="none" stroke="' + c + '" stroke-width="' + (isRef ? 3 : 1.6) + '" points="' +
             pts.map(function (pt) { return x(pt[0]).toFixed(1) + "," + y(pt[1]).toFixed(1); }).join(" ") +
             '"><title>' + esc(m) + "</title></polyline>");
    });
    p.push("</svg>");
    box.innerHTML = p.join("");
  }

  function drawLegend() {
    var rm = refMachine();
    $("machine-legend").innerHTML = D.machines.map(function (m, i) {
      return '<span class="swatch' + (i === rm ? " ref" : "") + '"><i style="background:' + colour(i) + '"></i>' +
             esc(m) + "</span>";
    }).join("");
  }

  function drawCharts() {
    var C = D.charts;
    drawLegend();
    dotPlot($("chart-syscalls"), "getppid: ns per call, by path", C.syscall_paths,
            function (m, p) { return (C.syscalls[m] || {})[p]; }, "ns per call", false);
    ["accept", "keepalive"].forEach(function (kind) {
      var L = C.load[kind];
      dotPlot($("chart-" + kind), kind === "accept" ? "accept: server CPU per connection × nginx's"
                                                    : "keep-alive: server CPU per request × nginx's",
              L.rows, function (m, r) { return (L.data[m] || {})[r]; }, "× nginx (same run; < 1 is cheaper)", true);
    });
    lineChart($("chart-helpers"), $("variant").value);
  }

  function buildVariants() {
    var sel = $("variant");
    sel.innerHTML = D.charts.helper_variants.map(function (v) {
      return '<option value="' + esc(v) + '">' + esc(v) + "</option>";
    }).join("");
    if (D.charts.helper_default) { sel.value = D.charts.helper_default; }
    sel.addEventListener("change", function () { lineChart($("chart-helpers"), sel.value); });
  }

  function drawAll() {
    buildSelector();
    buildVariants();
    drawMatrix();
    drawCharts();
    drawSystems();
  }

  var tDraw = performance.now();
  drawAll();
  var tEnd = performance.now();
  // read by tests/report/test_index_html*.py: how long parsing and drawing took in this browser
  window.SP_TIMING = { parse_ms: tParsed - t0, draw_ms: tEnd - tDraw, script_ms: tEnd - t0, since_navigation_ms: tEnd };
  window.SP_SET_REFERENCE = setReference;
  document.body.setAttribute("data-ready", "1");
}());
