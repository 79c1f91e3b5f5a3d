"""scripts/lib/bench_machine.py — the fingerprint of a machine: machine.json and its slug.

Used by scripts/machine (the CLI) and scripts/bench (which names the run folder
after the slug). Every figure in a run folder is only meaningful beside this:
which CPU, which flags, which kernel and mitigations, which compilers.

Everything is read at run time (/proc/cpuinfo, sysfs, the tools' own version
output); nothing about a CPU is assumed. A field that cannot be read is null,
never a guess presented as a fact.

Schema 1 (readers must ignore unknown keys and tolerate missing ones):
  schema, slug, timestamp_utc, cpu{model_name, vendor, family, model, stepping,
  microarch, flags{erms,fsrm,avx2,avx512f,avx512bw}, cores, threads,
  caches{l1d,l2,l3,source}}, kernel{release,version}, mitigations{name: text},
  governor, virtualization, memory_bytes, io_uring, software{...},
  syspath{commit, dirty}.
"""
import ctypes
import datetime
import errno
import glob
import json
import os
import platform
import re
import subprocess

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# The flags the contract names, then a few more that explain helper results.
CONTRACT_FLAGS = ("erms", "fsrm", "avx2", "avx512f", "avx512bw")
EXTRA_FLAGS = ("sse4_2", "avx", "avx512vl", "avx512dq", "bmi2", "rep_good",
               "amx_tile", "hypervisor")


# ---------------------------------------------------------------------------
# microarchitecture from vendor / family / model: a small table, not a database.
# Unknown pairs become "f<family>m<model>" (hex), which is still stable.

def _amd_microarch(family, model):
    if family == 0x17:
        return "zen2" if model >= 0x30 else ("zen+" if model in (0x08, 0x18) else "zen")
    if family == 0x19:
        # Zen 3: 0x00-0x0f (Milan), 0x20-0x2f (Vermeer), 0x40-0x5f (Rembrandt, Cezanne)
        # Zen 4: 0x10-0x1f (Genoa, Bergamo), 0x60-0x7f (Raphael, Phoenix), 0xa0-0xaf (Siena)
        if model <= 0x0f or 0x20 <= model <= 0x2f or 0x40 <= model <= 0x5f:
            return "zen3"
        if 0x10 <= model <= 0x1f or 0x60 <= model <= 0x7f or 0xa0 <= model <= 0xaf:
            return "zen4"
    if family == 0x1a:
        return "zen5"
    return None


_INTEL_FAM6 = {
    0x3c: "haswell", 0x3f: "haswell", 0x45: "haswell", 0x46: "haswell",
    0x3d: "broadwell", 0x47: "broadwell", 0x4f: "broadwell", 0x56: "broadwell",
    0x4e: "skylake", 0x5e: "skylake", 0x8e: "kabylake", 0x9e: "kabylake",
    0x55: "skylakex",           # refined by stepping below
    0x7d: "icelake", 0x7e: "icelake", 0x6a: "icelakex", 0x6c: "icelakex",
    0x8c: "tigerlake", 0x8d: "tigerlake", 0xa7: "rocketlake",
    0x97: "alderlake", 0x9a: "alderlake", 0xb7: "raptorlake", 0xba: "raptorlake",
    0xbf: "raptorlake", 0xaa: "meteorlake", 0xac: "meteorlake", 0xc5: "arrowlake",
    0xc6: "arrowlake", 0xbd: "lunarlake",
    0x8f: "sapphirerapids", 0xcf: "emeraldrapids", 0xad: "graniterapids",
    0xae: "graniterapids", 0xaf: "sierraforest",
}

# Features that only some microarchitectures have. A hypervisor may present a
# made-up family/model (this very machine: "model 167" = Rocket Lake, yet it
# has AMX); when the table's answer cannot have a flag the CPU shows, the
# flags are the better witness.
_ONLY_ON = {
    "amx_tile": {"sapphirerapids", "emeraldrapids", "graniterapids"},
    "avx512_fp16": {"sapphirerapids", "emeraldrapids", "graniterapids"},
}


def _intel_from_flags(flags):
    """Best guess from ISA extensions alone (server parts, newest first)."""
    if "amx_fp16" in flags:
        return "graniterapids"
    if "amx_tile" in flags:
        return "sapphirerapids"   # Emerald Rapids has the same ISA: indistinguishable here
    if "avx512_vp2intersect" in flags:
        return "tigerlake"
    if "avx512_vbmi2" in flags:
        return "icelake"
    if "avx512_bf16" in flags:
        return "cooperlake"
    if "avx512_vnni" in flags:
        return "cascadelake"
    if "avx512f" in flags:
        return "skylakex"
    return None


def microarch(vendor, family, model, stepping, flags):
    """(name, source): source is "table", "flags" or "unknown"."""
    name = None
    if vendor == "amd" and family is not None and model is not None:
        name = _amd_microarch(family, model)
    elif vendor == "intel" and family == 6 and model is not None:
        name = _INTEL_FAM6.get(model)
        if name == "skylakex" and stepping is not None:
            name = {5: "cascadelake", 6: "cascadelake", 7: "cascadelake",
                    11: "cooperlake"}.get(stepping, "skylakex")
        for flag, allowed in _ONLY_ON.items():
            if flag in flags and name not in allowed:
                guess = _intel_from_flags(flags)
                if guess:
                    return guess, "flags"
    if name:
        return name, "table"
    if family is not None and model is not None:
        return "f%xm%x" % (family, model), "unknown"
    return "unknown", "unknown"


def family_word(model_name, vendor):
    """The marketing family in one word: xeon, epyc, ryzen, core, ..."""
    low = (model_name or "").lower()
    for word in ("threadripper", "epyc", "ryzen", "xeon", "opteron", "athlon",
                 "celeron", "pentium", "atom"):
        if word in low:
            return word
    if "core(tm) ultra" in low or "core ultra" in low:
        return "coreultra"
    if re.search(r"\bcore\b|core\(tm\)", low):
        return "core"
    return "cpu"


# ---------------------------------------------------------------------------
# readers

def _read(path):
    try:
        with open(path) as f:
            return f.read().strip()
    except OSError:
        return None


def _int(s, base=10):
    try:
        return int(s, base)
    except (TypeError, ValueError):
        return None


def read_cpuinfo(path="/proc/cpuinfo"):
    """List of dicts, one per logical CPU."""
    text = _read(path) or ""
    cpus, cur = [], {}
    for line in text.splitlines():
        if not line.strip():
            if cur:
                cpus.append(cur)
                cur = {}
            continue
        key, _, val = line.partition(":")
        cur[key.strip()] = val.strip()
    if cur:
        cpus.append(cur)
    return cpus


def _size_bytes(text):
    m = re.match(r"^\s*(\d+)\s*([KMG]?)", text or "")
    if not m:
        return None
    return int(m.group(1)) * {"": 1, "K": 1024, "M": 1024 ** 2, "G": 1024 ** 3}[m.group(2)]


DEFAULT_BIN = os.path.join(ROOT, "build", "bin")


def caches_from_cpuid(bin_dir):
    """{l1d, l2, l3} in bytes as the helpers read them from cpuid (None where
    cpuid says nothing), or None when bin_dir has no syspath-calibrate or it fails."""
    tool = os.path.join(bin_dir, "syspath-calibrate")
    if not os.access(tool, os.X_OK):
        return None
    try:
        out = subprocess.run([tool, "--caches"], capture_output=True, text=True, timeout=10)
        got = json.loads(out.stdout) if out.returncode == 0 else None
    except (OSError, ValueError, subprocess.TimeoutExpired):
        return None
    if not isinstance(got, dict):
        return None
    return {k: (got.get(k) or None) for k in ("l1d", "l2", "l3")}


def read_caches(bin_dir, base="/sys/devices/system/cpu/cpu0/cache"):
    """Cache sizes from sysfs; a guest without /sys/.../cache gets them from
    cpuid through bin_dir's syspath-calibrate --caches ("source" says which)."""
    caches = {"l1d": None, "l1i": None, "l2": None, "l3": None, "source": "sysfs"}
    dirs = sorted(glob.glob(os.path.join(base, "index*")))
    if not dirs:
        got = caches_from_cpuid(bin_dir) if bin_dir else None
        if got:
            caches.update(got, source="cpuid")
        else:
            caches["source"] = None
        return caches
    for d in dirs:
        level, kind = _read(os.path.join(d, "level")), _read(os.path.join(d, "type"))
        size = _size_bytes(_read(os.path.join(d, "size")))
        field = cache_field(level, kind)
        if field:
            caches[field] = size
    return caches


def cache_field(level, kind):
    """machine.json's cache field for a cache's level and type as sysfs names them (the same
    words a remote host's sysfs gives): l1d, l1i, l2, l3, or None (e.g. L4)."""
    if level == "1":
        return {"Data": "l1d", "Instruction": "l1i"}.get(kind)
    return "l" + level if level in ("2", "3") else None


def read_mitigations(base="/sys/devices/system/cpu/vulnerabilities"):
    out = {}
    for p in sorted(glob.glob(os.path.join(base, "*"))):
        text = _read(p)
        if text is not None:
            out[os.path.basename(p)] = text
    return out


def _run(argv, both=False):
    """A tool's output (stdout, or stdout+stderr), or None when it is absent or fails."""
    try:
        r = subprocess.run(argv, capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return None
    out = (r.stdout or "") + ((r.stderr or "") if both else "")
    return out.strip() if r.returncode == 0 or both else None


def _version(text, pattern=r"(\d+\.\d+(?:\.\d+)*)"):
    if not text:
        return None
    m = re.search(pattern, text)
    return m.group(1) if m else None


def _dpkg_version(pkg):
    out = _run(["dpkg-query", "-W", "-f=${Status} ${Version}", pkg])
    if out and out.startswith("install ok installed "):
        return out.split()[-1]
    return None


def read_virtualization(flags):
    """(summary, detail): e.g. ("kvm+docker", {"vm": "kvm", "container": "docker"})."""
    detail = {"vm": None, "container": None}
    for kind in ("vm", "container"):
        out = _run(["systemd-detect-virt", "--" + kind], both=True)
        if out and out.split()[0] != "none" and "not found" not in out:
            detail[kind] = out.split()[0]
    if detail["vm"] is None and "hypervisor" in flags:
        vendor = _read("/sys/hypervisor/type")
        detail["vm"] = vendor or "hypervisor"
    if detail["container"] is None and os.path.exists("/.dockerenv"):
        detail["container"] = "docker"
    parts = [v for v in (detail["vm"], detail["container"]) if v]
    return ("+".join(parts) if parts else None), detail


def read_io_uring():
    """("enabled"|"restricted"|"disabled", why).

    /proc/sys/kernel/io_uring_disabled (Linux 6.6+): 0 enabled, 1 only for
    privileged users / io_uring_group, 2 off. A seccomp filter (containers)
    can still refuse io_uring_setup, so a probe has the last word.
    """
    knob = _int(_read("/proc/sys/kernel/io_uring_disabled"))
    if knob == 2:
        return "disabled", "kernel.io_uring_disabled=2"
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        params = ctypes.create_string_buffer(120)     # struct io_uring_params, zeroed
        fd = libc.syscall(425, 1, params)             # __NR_io_uring_setup on x86_64
        if fd >= 0:
            os.close(fd)
        else:
            err = ctypes.get_errno()
            return "disabled", "io_uring_setup: %s" % os.strerror(err) + (
                " (seccomp or kernel config)" if err in (errno.EPERM, errno.ENOSYS) else "")
    except (OSError, AttributeError) as e:
        return ("restricted" if knob == 1 else "enabled"), "not probed: %s" % e
    if knob == 1:
        return "restricted", "kernel.io_uring_disabled=1 (this user may use it)"
    return "enabled", "io_uring_setup works" + (
        "" if knob is not None else " (kernel has no io_uring_disabled knob)")


def read_git(root=ROOT):
    commit = _run(["git", "-C", root, "rev-parse", "HEAD"])
    status = _run(["git", "-C", root, "status", "--porcelain", "--untracked-files=no"])
    return {"commit": commit, "dirty": None if status is None else bool(status)}


def read_software():
    sw = {}
    libc = os.confstr("CS_GNU_LIBC_VERSION") if hasattr(os, "confstr") else None
    sw["glibc"] = _version(libc) or _version(_run(["ldd", "--version"]))
    sw["gcc"] = _run(["gcc", "-dumpfullversion"]) or _version(_run(["gcc", "--version"]))
    sw["clang"] = _version(_run(["clang", "--version"]), r"version (\d+\.\d+(?:\.\d+)*)")
    sw["nasm"] = _version(_run(["nasm", "-v"]), r"version (\d+\.\d+(?:\.\d+)*)")
    sw["wrk"] = _version(_run(["wrk", "-v"], both=True), r"wrk \S*?(\d+\.\d+(?:\.\d+)*)")
    sw["nginx"] = _version(_run(["nginx", "-v"], both=True), r"nginx/(\d+\.\d+(?:\.\d+)*)")
    # the load bench's other peers
    sw["h2o"] = _version(_run(["h2o", "-v"]), r"h2o version (\d+\.\d+(?:\.\d+)*)")
    sw["lighttpd"] = _version(_run(["lighttpd", "-v"]), r"lighttpd/(\d+\.\d+(?:\.\d+)*)")
    sw["hyperfine"] = _version(_run(["hyperfine", "--version"]))
    sw["benchmark"] = _dpkg_version("libbenchmark-dev")
    sw["python"] = platform.python_version()
    sw["valgrind"] = _version(_run(["valgrind", "--version"]))
    sw["liburing"] = _dpkg_version("liburing-dev")
    sw["glibc_package"] = _dpkg_version("libc6")
    return sw


# ---------------------------------------------------------------------------

def read_cpu(bin_dir=DEFAULT_BIN):
    """(cpu dict, flag set); bin_dir: where syspath-calibrate answers for the
    caches when sysfs cannot (None: sysfs only)."""
    cpus = read_cpuinfo()
    first = cpus[0] if cpus else {}
    flags = set(first.get("flags", "").split())
    vendor_id = first.get("vendor_id", "")
    vendor = {"GenuineIntel": "intel", "AuthenticAMD": "amd", "HygonGenuine": "hygon",
              "CentaurHauls": "centaur"}.get(vendor_id, vendor_id.lower() or "unknown")
    family, model = _int(first.get("cpu family")), _int(first.get("model"))
    stepping = _int(first.get("stepping"))
    arch, source = microarch(vendor, family, model, stepping, flags)
    cores = {(c.get("physical id"), c.get("core id")) for c in cpus
             if c.get("core id") is not None}
    threads = len(cpus) or os.cpu_count() or 1
    return {
        "model_name": first.get("model name") or platform.processor() or "unknown",
        "vendor": vendor,
        "vendor_id": vendor_id or None,
        "family": family,
        "model": model,
        "stepping": stepping,
        "microarch": arch,
        "microarch_source": source,
        "flags": {f: f in flags for f in CONTRACT_FLAGS},
        "other_flags": {f: f in flags for f in EXTRA_FLAGS},
        "cores": len(cores) or threads,
        "threads": threads,
        "caches": read_caches(bin_dir),
    }, flags


def slug_of(cpu, kernel_release):
    kv = re.match(r"(\d+)\.(\d+)", kernel_release or "")
    parts = [cpu["vendor"], family_word(cpu["model_name"], cpu["vendor"]), cpu["microarch"],
             "%dc" % cpu["cores"], "linux" + (kv.group(0) if kv else "unknown")]
    slug = "-".join(parts).lower()
    return re.sub(r"[^a-z0-9.+-]", "", slug.replace(" ", "-"))


def utc_now():
    return datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)


def fingerprint(timestamp=None, bin_dir=DEFAULT_BIN):
    """The whole machine.json as a dict. timestamp: aware datetime (default: now);
    bin_dir: the build whose syspath-calibrate reads the caches from cpuid."""
    ts = timestamp or utc_now()
    cpu, flags = read_cpu(bin_dir)
    uname = os.uname()
    virt, virt_detail = read_virtualization(flags)
    uring, uring_why = read_io_uring()
    meminfo = _read("/proc/meminfo") or ""
    m = re.search(r"^MemTotal:\s+(\d+) kB", meminfo, re.M)
    governor = _read("/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor")
    return {
        "schema": 1,
        "slug": slug_of(cpu, uname.release),
        "timestamp_utc": ts.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "cpu": cpu,
        "kernel": {"release": uname.release, "version": uname.version},
        "mitigations": read_mitigations(),
        "governor": governor,
        "virtualization": virt,
        "virtualization_detail": virt_detail,
        "memory_bytes": int(m.group(1)) * 1024 if m else None,
        "io_uring": uring,
        "io_uring_detail": uring_why,
        "software": read_software(),
        "syspath": read_git(),
    }


def quick_slug():
    """The slug alone, without running every tool (for naming a folder early)."""
    cpu, _ = read_cpu(None)
    return slug_of(cpu, os.uname().release)


def folder_timestamp(ts):
    """2026-11-26T041500Z: the run folder's name (no colons: portable file names)."""
    return ts.strftime("%Y-%m-%dT%H%M%SZ")


def parse_timestamp(text):
    """Accepts 2026-11-26T04:15:00Z or the folder form 2026-11-26T041500Z."""
    for fmt in ("%Y-%m-%dT%H:%M:%SZ", "%Y-%m-%dT%H%M%SZ"):
        try:
            return datetime.datetime.strptime(text, fmt).replace(tzinfo=datetime.timezone.utc)
        except ValueError:
            pass
    raise ValueError("timestamp '%s' is not like 2026-11-26T04:15:00Z" % text)
