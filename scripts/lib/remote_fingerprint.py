"""scripts/lib/remote_fingerprint.py — the machine.json of the --client host: what is sent
there to read it, and how its answer is read here.

  python_program()        bench_machine.py itself, for `python3 -` there: it prints
                          JSON_MARK, then the host's machine.json
  from_python(rc, out)    that machine.json as a dict, or None (no mark, not JSON)
  SHELL_FINGERPRINT       a POSIX shell script for a host without python3
  fingerprint_from_shell(out)  its output read into the same machine.json fields,
                          with bench_machine's own tables and version patterns
                          (io_uring is then the sysctl's word, not a probe)

Either way syspath{} holds nulls: syspath does not run there. remote.py's
RemoteClient.fingerprint() sends these over ssh.
"""
import json
import re
import tempfile

import bench_machine

JSON_MARK = "syspath-remote-machine-json"   # the fingerprint's JSON follows it


def python_program():
    """The source `python3 -` runs there: bench_machine.py, then its fingerprint after JSON_MARK."""
    with open(bench_machine.__file__) as f:
        return ("__file__ = '/nonexistent/syspath/scripts/lib/bench_machine.py'\n"
                + f.read() + "\n\nimport json as _j, sys as _s\n"
                "_d = fingerprint(bin_dir=None)\n"
                "_d['syspath'] = {'commit': None, 'dirty': None}\n"
                "_s.stdout.write(%r)\n_j.dump(_d, _s.stdout)\n" % (JSON_MARK + "\n"))


def from_python(rc, out):
    """python_program()'s machine.json from its exit code and stdout, or None."""
    try:
        # what a login script there printed comes before the mark
        doc = json.loads(out.split(JSON_MARK + "\n", 1)[1]) if rc == 0 else None
    except (ValueError, IndexError):
        doc = None
    return doc if isinstance(doc, dict) else None


# ---------------------------------------------------------------------------
# A host without python3: a POSIX shell script prints sections, read here into
# machine.json's fields with bench_machine's own tables and version patterns.

# (software key, shell command, version pattern) as bench_machine.read_software has them
_SOFTWARE = (
    ("glibc", "ldd --version", r"(\d+\.\d+(?:\.\d+)*)"),
    ("gcc", "gcc -dumpfullversion", r"(\d+\.\d+(?:\.\d+)*)"),
    ("clang", "clang --version", r"version (\d+\.\d+(?:\.\d+)*)"),
    ("nasm", "nasm -v", r"version (\d+\.\d+(?:\.\d+)*)"),
    ("wrk", "wrk -v", r"wrk \S*?(\d+\.\d+(?:\.\d+)*)"),
    ("nginx", "nginx -v", r"nginx/(\d+\.\d+(?:\.\d+)*)"),
    ("h2o", "h2o -v", r"h2o version (\d+\.\d+(?:\.\d+)*)"),
    ("lighttpd", "lighttpd -v", r"lighttpd/(\d+\.\d+(?:\.\d+)*)"),
    ("hyperfine", "hyperfine --version", r"(\d+\.\d+(?:\.\d+)*)"),
    ("valgrind", "valgrind --version", r"(\d+\.\d+(?:\.\d+)*)"),
)
_PACKAGES = (("benchmark", "libbenchmark-dev"), ("liburing", "liburing-dev"),
             ("glibc_package", "libc6"))

SHELL_FINGERPRINT = "\n".join([
    "s() { echo \"@@$*\"; }",
    "s cpuinfo; cat /proc/cpuinfo 2>/dev/null",
    "s release; uname -r", "s version; uname -v",
    "for f in /sys/devices/system/cpu/vulnerabilities/*; do",
    "  [ -r \"$f\" ] && { s mitigation \"${f##*/}\"; cat \"$f\"; }; done",
    "s governor; cat /sys/devices/system/cpu/cpu0/cpufreq/scaling_governor 2>/dev/null",
    "for d in /sys/devices/system/cpu/cpu0/cache/index*; do",
    "  [ -d \"$d\" ] && { s cache; cat \"$d/level\" \"$d/type\" \"$d/size\" 2>/dev/null; }; done",
    "s meminfo; grep '^MemTotal:' /proc/meminfo 2>/dev/null",
    "s virt vm; systemd-detect-virt --vm 2>&1",
    "s virt container; systemd-detect-virt --container 2>&1",
    "s hypervisor; cat /sys/hypervisor/type 2>/dev/null",
    "s dockerenv; [ -e /.dockerenv ] && echo yes",
    "s io_uring_disabled; cat /proc/sys/kernel/io_uring_disabled 2>/dev/null",
] + ["s software %s; %s 2>&1 | head -n 3" % (k, cmd) for k, cmd, _ in _SOFTWARE]
  + ["s package %s; dpkg-query -W -f='${Status} ${Version}' %s 2>/dev/null" % (k, pkg)
     for k, pkg in _PACKAGES]
  + ["true", ""])


def _sections(text):
    """[(header words, body text)] from the script's @@-headed sections."""
    out, head, body = [], None, []
    for line in text.splitlines():
        if line.startswith("@@"):
            if head is not None:
                out.append((head, "\n".join(body).strip()))
            head, body = line[2:].split(), []
        elif head is not None:
            body.append(line)
    if head is not None:
        out.append((head, "\n".join(body).strip()))
    return out


def fingerprint_from_shell(text, timestamp=None):
    """machine.json's fields from SHELL_FINGERPRINT's output."""
    bm = bench_machine
    one, mitigations, caches = {}, {}, []
    software, packages, virt = {}, {}, {}
    for head, body in _sections(text):
        if head[0] == "mitigation" and len(head) > 1:
            mitigations[head[1]] = body
        elif head[0] == "cache":
            caches.append(body.split("\n"))
        elif head[0] == "software" and len(head) > 1:
            software[head[1]] = body
        elif head[0] == "package" and len(head) > 1:
            packages[head[1]] = body
        elif head[0] == "virt" and len(head) > 1:
            virt[head[1]] = body
        else:
            one[head[0]] = body

    with tempfile.NamedTemporaryFile("w", suffix=".cpuinfo") as f:
        f.write(one.get("cpuinfo", ""))
        f.flush()
        cpus = bm.read_cpuinfo(f.name)
    first = cpus[0] if cpus else {}
    flags = set(first.get("flags", "").split())
    vendor_id = first.get("vendor_id", "")
    vendor = {"GenuineIntel": "intel", "AuthenticAMD": "amd", "HygonGenuine": "hygon",
              "CentaurHauls": "centaur"}.get(vendor_id, vendor_id.lower() or "unknown")
    family, model = bm._int(first.get("cpu family")), bm._int(first.get("model"))
    stepping = bm._int(first.get("stepping"))
    arch, source = bm.microarch(vendor, family, model, stepping, flags)
    cores = {(c.get("physical id"), c.get("core id")) for c in cpus
             if c.get("core id") is not None}
    threads = len(cpus) or 1
    cache = {"l1d": None, "l1i": None, "l2": None, "l3": None,
             "source": "sysfs" if caches else None}
    for c in caches:
        if len(c) < 3:
            continue
        field = bm.cache_field(c[0].strip(), c[1].strip())
        if field:
            cache[field] = bm._size_bytes(c[2])
    cpu = {
        "model_name": first.get("model name") or "unknown",
        "vendor": vendor, "vendor_id": vendor_id or None,
        "family": family, "model": model, "stepping": stepping,
        "microarch": arch, "microarch_source": source,
        "flags": {f: f in flags for f in bm.CONTRACT_FLAGS},
        "other_flags": {f: f in flags for f in bm.EXTRA_FLAGS},
        "cores": len(cores) or threads, "threads": threads, "caches": cache,
    }

    detail = {"vm": None, "container": None}
    for kind in ("vm", "container"):
        out = virt.get(kind, "")
        if out and out.split()[0] != "none" and "not found" not in out:
            detail[kind] = out.split()[0]
    if detail["vm"] is None and "hypervisor" in flags:
        detail["vm"] = one.get("hypervisor") or "hypervisor"
    if detail["container"] is None and one.get("dockerenv") == "yes":
        detail["container"] = "docker"
    parts = [v for v in (detail["vm"], detail["container"]) if v]

    knob = bm._int(one.get("io_uring_disabled"))
    if knob == 2:
        uring, why = "disabled", "kernel.io_uring_disabled=2"
    elif knob == 1:
        uring, why = "restricted", "kernel.io_uring_disabled=1 (not probed: no python3 there)"
    else:
        uring, why = "enabled", "not probed: no python3 there" + (
            "" if knob is not None else " (kernel has no io_uring_disabled knob)")

    sw = {}
    for key, _cmd, pattern in _SOFTWARE:
        out = software.get(key, "")
        sw[key] = None if "not found" in out else bm._version(out, pattern)
    for key, _pkg in _PACKAGES:
        out = packages.get(key, "")
        sw[key] = out.split()[-1] if out.startswith("install ok installed ") else None
    sw["python"] = None

    m = re.search(r"^MemTotal:\s+(\d+) kB", one.get("meminfo", ""), re.M)
    release = one.get("release") or None
    ts = timestamp or bm.utc_now()
    return {
        "schema": 1,
        "slug": bm.slug_of(cpu, release),
        "timestamp_utc": ts.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "cpu": cpu,
        "kernel": {"release": release, "version": one.get("version") or None},
        "mitigations": mitigations,
        "governor": one.get("governor") or None,
        "virtualization": "+".join(parts) if parts else None,
        "virtualization_detail": detail,
        "memory_bytes": int(m.group(1)) * 1024 if m else None,
        "io_uring": uring,
        "io_uring_detail": why,
        "software": sw,
        "syspath": {"commit": None, "dirty": None},
    }
