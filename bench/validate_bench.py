"""Validation speed and memory: govcat's engine against plain pySHACL, and whether they agree.

    python bench/validate_bench.py --sizes 10000,100000 --baseline-size 10000 --out bench/out

For every size, a catalogue (seed 1, defects 0.01, CSV folder) is generated once and cached in --out.
Each measurement runs in a fresh Python process (`python -c`), which reports its own peak RSS
(getrusage(RUSAGE_SELF).ru_maxrss, i.e. the high-water mark of that process alone):

  govcat phases   load_path (CSV -> N-Triples), data_graph (Oxigraph + ontology), validate_loaded
                  (the compiled checks, as `govcat validate` runs them, and placing the findings)
  govcat e2e      validate_path: the production path (parsing overlaps reading, in a second thread)
  pySHACL         at --baseline-size only: rdflib parses the same N-Triples plus the ontology and code
                  lists, then plain `pyshacl.validate` (govcat.validation.reference)

At the baseline size the findings are compared as Finding.key() tuples. With --profile-checks (or
automatically when govcat needs more than 60 s at the largest size) every compiled check is timed on
its own on the largest graph. Results go to <out>/validate_results.json; pySHACL's result is kept in
<out>/pyshacl-<size>-<mode>.json and reused with --reuse-pyshacl (it can take hours).
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
from common import add_province_option  # noqa: E402
TARGET_SECONDS = 60.0
TARGET_SPEEDUP = 10.0
TARGET_PEAK_MIB = 4096.0

PEAK = """
def peak_mib():
    import resource
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
def cpu_s():    # user + system CPU seconds of this process, all threads
    import resource
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime
def hwm_mib():   # high-water mark so far, from /proc (Linux)
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
"""

GENERATE = """
import json, sys
from pathlib import Path
sys.path.insert(0, "bench")
from common import generate
out, n = Path(sys.argv[1]), int(sys.argv[2])
result = generate(out, n, seed=int(sys.argv[3]), defects=float(sys.argv[4]), province=sys.argv[5] == "province")
(out / ".complete").write_text(json.dumps(result.counts, ensure_ascii=False))
print(json.dumps({"counts": result.counts, "planted": len(result.defects)}, ensure_ascii=False))
"""

GOVCAT_PHASES = PEAK + """
import json, sys, time
from pathlib import Path
t0 = time.perf_counter()
from govcat.loaders import load_path
from govcat.validation.run import data_graph, validate_loaded
t1 = time.perf_counter()
loaded = load_path(Path(sys.argv[1]))
t2 = time.perf_counter()
hwm = {"load": hwm_mib()}
graph = data_graph(loaded)
t3 = time.perf_counter()
hwm["graph"] = hwm_mib()
report = validate_loaded(loaded, graph)
t4 = time.perf_counter()
hwm["check"] = hwm_mib()
out = {"import": t1 - t0, "load": t2 - t1, "graph": t3 - t2, "check": t4 - t3, "total": t4 - t1,
       "triples": len(graph), "findings": len(report.results), "peak_mib": peak_mib(), "cpu": cpu_s(),
       "peak_mib_after": hwm, "ntriples_mib": len(loaded.ntriples.encode("utf-8")) / 2**20,
       "by_severity": report.by_severity()}
if len(sys.argv) > 2:   # keep the findings and the data for the comparison with pySHACL
    keys = sorted({r.finding.key() for r in report.results}, key=repr)
    Path(sys.argv[2]).write_text(json.dumps(keys, ensure_ascii=False), encoding="utf-8")
    Path(sys.argv[3]).write_text(loaded.ntriples, encoding="utf-8")
print(json.dumps(out))
"""

GOVCAT_E2E = PEAK + """
import json, sys, time
from pathlib import Path
t0 = time.perf_counter()
from govcat.validation.run import validate_path
t1 = time.perf_counter()
report = validate_path(Path(sys.argv[1]))
t2 = time.perf_counter()
print(json.dumps({"import": t1 - t0, "total": t2 - t1, "findings": len(report.results), "peak_mib": peak_mib(),
                  "cpu": cpu_s()}))
"""

PYSHACL = PEAK + """
import json, sys, time
from pathlib import Path
t0 = time.perf_counter()
import pyshacl, rdflib
from govcat.validation import reference
from govcat.validation.engine import schema_files
t1 = time.perf_counter()
ntriples = Path(sys.argv[1]).read_text(encoding="utf-8")
data = rdflib.Graph()
data.parse(data=ntriples, format="nt")
for path in schema_files():
    data.parse(str(path), format="turtle")
shacl = reference.shapes_graph()
t2 = time.perf_counter()
c2 = cpu_s()
prepared = sys.argv[3] == "prepared"
from contextlib import nullcontext
with reference.prepared_queries() if prepared else nullcontext():
    conforms, results, text = pyshacl.validate(data, shacl_graph=shacl, ont_graph=None, inference="none",
                                               advanced=False, inplace=True)
t3 = time.perf_counter()
if not hasattr(results, "subjects"):
    raise SystemExit("pySHACL refused the shapes: " + text)
keys = sorted(reference.result_keys(results, shacl), key=repr)
Path(sys.argv[2]).write_text(json.dumps(keys, ensure_ascii=False), encoding="utf-8")
print(json.dumps({"import": t1 - t0, "parse": t2 - t1, "validate": t3 - t2, "total": t3 - t1,
                  "cpu": cpu_s(), "cpu_validate": cpu_s() - c2,
                  "triples": len(data), "findings": len(keys), "conforms": conforms, "peak_mib": peak_mib()}))
"""

PROFILE = PEAK + """
import json, sys, time
from pathlib import Path
from govcat.loaders import load_path
from govcat.schema import sheets
from govcat.validation.engine import default_checks, run_checks
from govcat.validation.run import data_graph
loaded = load_path(Path(sys.argv[1]))
graph = data_graph(loaded)
single = {(s.target, c.path) for s in sheets().values() for c in s.columns if not c.separator}
empty = time.perf_counter(); run_checks(graph, checks=(), workers=1); empty = time.perf_counter() - empty
rows = []
for check in default_checks():
    started = time.perf_counter()
    found = run_checks(graph, checks=(check,), workers=1)
    seconds = time.perf_counter() - started
    skipped = (check.component.endswith("MaxCountConstraintComponent") and getattr(check, "max_count", None) == 1
               and (check.target_class, check.path) in single)
    rows.append({"seconds": seconds, "rule": check.rule, "shape": check.shape.rsplit("#", 1)[-1],
                 "component": check.component.rsplit("#", 1)[-1], "path": check.path,
                 "findings": len(found), "skipped_for_tabular_input": skipped})
rows.sort(key=lambda r: -r["seconds"])
print(json.dumps({"checks": rows, "sum": sum(r["seconds"] for r in rows), "overhead_per_call": empty,
                  "triples": len(graph), "peak_mib": peak_mib()}))
"""


def child(code: str, *args: str, timeout: float | None = None) -> dict:
    """Run `code` in a fresh Python, which prints one JSON line last; adds the wall time. On timeout
    the child is stopped and its CPU time so far (from /proc) is reported instead."""
    started = time.perf_counter()
    env = dict(os.environ, PYTHONHASHSEED="0")
    proc = subprocess.Popen([sys.executable, "-c", code, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=env, cwd=ROOT)
    try:
        stdout, stderr = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        cpu = None
        try:
            fields = Path(f"/proc/{proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
            cpu = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except (OSError, IndexError, ValueError):
            pass
        proc.kill()
        proc.communicate()
        return {"timeout": timeout, "wall": time.perf_counter() - started, "cpu": cpu}
    if proc.returncode != 0:
        raise SystemExit(f"child failed ({proc.returncode}):\n{stdout[-3000:]}\n{stderr[-5000:]}")
    result = json.loads(stdout.strip().splitlines()[-1])
    result["wall"] = time.perf_counter() - started
    return result


def median_run(runs: list[dict]) -> dict:
    """The run with the median total time, with every run's total kept alongside."""
    ordered = sorted(runs, key=lambda r: r["total"])
    chosen = dict(ordered[(len(ordered) - 1) // 2])
    chosen["totals"] = [r["total"] for r in runs]
    return chosen


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def catalogue(out: Path, n: int, seed: int, defects: float, province: bool = False) -> Path:
    folder = out / f"validate-{'province-' if province else ''}{n}-s{seed}-d{defects:g}"
    if not (folder / ".complete").exists():
        log(f"generating {n} entries into {folder}")
        info = child(GENERATE, str(folder), str(n), str(seed), str(defects), "province" if province else "")
        log(f"  {info['counts']}, {info['planted']} planted defects, {info['wall']:.1f} s")
    return folder


def machine() -> dict:
    meminfo = Path("/proc/meminfo").read_text().splitlines() if Path("/proc/meminfo").exists() else []
    mem = next((line.split(":", 1)[1].strip() for line in meminfo if line.startswith("MemTotal")), "?")
    cpu = "?"
    if Path("/proc/cpuinfo").exists():
        cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                    if line.startswith("model name")), "?")
    versions = {}
    for module in ("pyoxigraph", "pyshacl", "rdflib"):
        try:
            from importlib.metadata import version
            versions[module] = version(module)
        except Exception:   # noqa: BLE001 - informative only
            versions[module] = "?"
    return {"nproc": os.cpu_count(), "cpu": cpu, "mem_total": mem, "python": platform.python_version(),
            "platform": platform.platform(), "date_utc": time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime()),
            **versions}


def fmt_s(value) -> str:
    return "—" if value is None else f"{value:,.1f} s"


def spread(run: dict) -> str:
    totals = run.get("totals") or []
    return f" ({min(totals):.1f}–{max(totals):.1f})" if len(totals) > 1 else ""


def fmt_mib(value) -> str:
    return "—" if value is None else f"{value:,.0f} MiB"


def table(sizes: list[int], govcat: dict, e2e: dict, baseline: int, py: dict | None) -> str:
    header = [""] + [f"govcat {n:,}" for n in sizes] + ([f"pySHACL {baseline:,}" + (" (prepared)" if py.get("mode") == "prepared" else "")] if py else [])
    rows = [
        ("triples (data + schema)", [f"{govcat[n]['triples']:,}" for n in sizes], py and f"{py.get('triples', 0):,}"),
        ("load: CSV → N-Triples", [fmt_s(govcat[n]["load"]) for n in sizes], py and "(same N-Triples)"),
        ("graph build / rdflib parse", [fmt_s(govcat[n]["graph"]) for n in sizes], py and fmt_s(py.get("parse"))),
        ("checks / pyshacl.validate", [fmt_s(govcat[n]["check"]) for n in sizes], py and fmt_s(py.get("validate"))),
        ("total (phases, one after another)", [fmt_s(govcat[n]["total"]) + spread(govcat[n]) for n in sizes], py and fmt_s(py.get("total"))),
        ("total, validate_path (production)", [fmt_s(e2e[n]["total"]) + spread(e2e[n]) for n in sizes], py and "—"),
        ("CPU time (user + sys), phases", [fmt_s(govcat[n].get("cpu")) for n in sizes], py and fmt_s(py.get("cpu"))),
        ("peak RSS, phases", [fmt_mib(govcat[n]["peak_mib"]) for n in sizes], py and fmt_mib(py.get("peak_mib"))),
        ("peak RSS, validate_path", [fmt_mib(e2e[n]["peak_mib"]) for n in sizes], py and "—"),
        ("findings", [f"{govcat[n]['findings']:,}" for n in sizes], py and f"{py.get('findings', 0):,}"),
    ]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for name, values, other in rows:
        cells = [name] + values + ([other] if py else [])
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="10000,100000", help="entries per catalogue, comma-separated")
    parser.add_argument("--baseline-size", type=int, default=10000, help="size at which pySHACL runs")
    parser.add_argument("--out", type=Path, default=Path("bench/out"))
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--defects", type=float, default=0.01)
    parser.add_argument("--pyshacl-mode", choices=("plain", "prepared"), default="plain",
                        help="plain pySHACL, or with each SPARQL text parsed once (reference.prepared_queries)")
    parser.add_argument("--pyshacl-timeout", type=float, default=0, help="seconds; 0 = no limit")
    parser.add_argument("--reuse-pyshacl", action="store_true", help="reuse a stored pySHACL result")
    parser.add_argument("--reuse-govcat", action="store_true",
                        help="reuse stored govcat results (<out>/govcat-<size>.json) instead of measuring again")
    parser.add_argument("--skip-pyshacl", action="store_true")
    parser.add_argument("--repeat", type=int, default=1,
                        help="measure govcat this many times per size; the table shows the median run")
    parser.add_argument("--profile-checks", choices=("auto", "always", "never"), default="auto")
    add_province_option(parser)
    args = parser.parse_args()

    sizes = sorted({int(s) for s in args.sizes.split(",") if s.strip()})
    out = args.out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    info = machine()
    log(f"machine: {info['nproc']} cores, {info['mem_total']}, Python {info['python']}, "
        f"pyoxigraph {info['pyoxigraph']}, pySHACL {info['pyshacl']}, rdflib {info['rdflib']}")

    folders = {n: catalogue(out, n, args.seed, args.defects, args.province)
               for n in sorted(set(sizes) | {args.baseline_size})}
    govcat, e2e = {}, {}
    keys_govcat = out / f"keys-govcat-{args.baseline_size}.json"
    nt_path = out / f"validate-{args.baseline_size}.nt"
    for n in sorted(folders):
        stored = out / f"govcat-{n}.json"
        if args.reuse_govcat and stored.exists() and (n != args.baseline_size or keys_govcat.exists()):
            govcat[n], e2e[n] = json.loads(stored.read_text())
            log(f"govcat, {n:,} entries: reused {stored}")
            continue
        extra = (str(keys_govcat), str(nt_path)) if n == args.baseline_size else ()
        runs, runs_e2e = [], []
        for i in range(max(1, args.repeat)):
            log(f"govcat phases, {n:,} entries" + (f" (run {i + 1})" if args.repeat > 1 else ""))
            g = child(GOVCAT_PHASES, str(folders[n]), *extra)
            runs.append(g)
            log(f"  load {g['load']:.1f} s, graph {g['graph']:.1f} s, checks {g['check']:.1f} s, total {g['total']:.1f} s, "
                f"peak {g['peak_mib']:.0f} MiB, {g['findings']} findings, {g['triples']:,} triples")
            log(f"  peak RSS after load {g['peak_mib_after']['load']:.0f} MiB (N-Triples text {g['ntriples_mib']:.0f} MiB), "
                f"after graph {g['peak_mib_after']['graph']:.0f} MiB, after checks {g['peak_mib_after']['check']:.0f} MiB")
            log(f"govcat validate_path, {n:,} entries" + (f" (run {i + 1})" if args.repeat > 1 else ""))
            e = child(GOVCAT_E2E, str(folders[n]))
            runs_e2e.append(e)
            log(f"  total {e['total']:.1f} s, peak {e['peak_mib']:.0f} MiB, {e['findings']} findings")
        govcat[n], e2e[n] = median_run(runs), median_run(runs_e2e)
        stored.write_text(json.dumps([govcat[n], e2e[n]], indent=1))

    py = None
    comparison = None
    if not args.skip_pyshacl:
        stored = out / f"pyshacl-{args.baseline_size}-{args.pyshacl_mode}.json"
        keys_py = out / f"keys-pyshacl-{args.baseline_size}-{args.pyshacl_mode}.json"
        if args.reuse_pyshacl and stored.exists() and keys_py.exists():
            py = json.loads(stored.read_text())
            log(f"pySHACL ({args.pyshacl_mode}) result reused from {stored}")
        else:
            log(f"pySHACL ({args.pyshacl_mode}), {args.baseline_size:,} entries (this can take very long)")
            py = child(PYSHACL, str(nt_path), str(keys_py), args.pyshacl_mode,
                       timeout=args.pyshacl_timeout or None)
            py["mode"] = args.pyshacl_mode
            stored.write_text(json.dumps(py, indent=1))
        if "timeout" in py:
            log(f"  pySHACL did not finish within {py['timeout']:.0f} s (CPU time used: {py.get('cpu') or 0:.0f} s)")
        else:
            log(f"  parse {py['parse']:.1f} s, validate {py['validate']:.1f} s, peak {py['peak_mib']:.0f} MiB, "
                f"{py['findings']} findings")
            ours = {tuple(k) for k in json.loads(keys_govcat.read_text(encoding="utf-8"))}
            theirs = {tuple(k) for k in json.loads(keys_py.read_text(encoding="utf-8"))}
            diff = sorted(ours ^ theirs, key=repr)
            comparison = {"govcat": len(ours), "pyshacl": len(theirs), "identical": ours == theirs,
                          "only_govcat": [list(k) for k in sorted(ours - theirs, key=repr)][:50],
                          "only_pyshacl": [list(k) for k in sorted(theirs - ours, key=repr)][:50]}
            log(f"findings at {args.baseline_size:,}: govcat {len(ours)}, pySHACL {len(theirs)}, "
                f"identical: {ours == theirs}")
            for k in diff[:40]:
                log(f"  {'govcat only ' if k in ours else 'pySHACL only'} {k}")

    largest = max(sizes)
    profile = None
    slow = e2e[largest]["total"] > TARGET_SECONDS
    if args.profile_checks == "always" or (args.profile_checks == "auto" and slow):
        log(f"timing every check on its own, {largest:,} entries")
        profile = child(PROFILE, str(folders[largest]))
        log(f"  sum of checks {profile['sum']:.1f} s (engine overhead per call {profile['overhead_per_call']:.2f} s)")
        for row in profile["checks"][:10]:
            log(f"  {row['seconds']:7.2f} s  {row['rule']}  {row['shape']}  {row['component']}  "
                f"{row['findings']} findings{'  (skipped for tabular input)' if row['skipped_for_tabular_input'] else ''}")

    print()
    print(table(sorted(govcat), govcat, e2e, args.baseline_size, py if py and "timeout" not in py else None))
    print()
    base = args.baseline_size
    summary = {"machine": info, "args": {k: str(v) for k, v in vars(args).items()}, "govcat": govcat,
               "govcat_validate_path": e2e, "pyshacl": py, "comparison": comparison, "profile": profile}
    targets = {}
    if largest >= 100_000:   # judged on the production path, `govcat validate` = validate_path
        targets["time"] = {"entries": largest, "seconds_validate_path": e2e[largest]["total"],
                           "runs": e2e[largest].get("totals"), "seconds_phases": govcat[largest]["total"],
                           "met": e2e[largest]["total"] <= TARGET_SECONDS}
        targets["memory"] = {"peak_mib_validate_path": e2e[largest]["peak_mib"],
                             "peak_mib_phases": govcat[largest]["peak_mib"],
                             "met": e2e[largest]["peak_mib"] <= TARGET_PEAK_MIB}
    if py and "timeout" not in py and base in govcat:
        speedup = py["total"] / govcat[base]["total"]
        targets["speedup"] = {"pyshacl_total": py["total"], "govcat_total": govcat[base]["total"],
                              "speedup": speedup, "checks_only": py["validate"] / govcat[base]["check"],
                              "met": speedup >= TARGET_SPEEDUP}
        print(f"speed-up at {base:,} entries: {speedup:,.0f}x (parse + validate vs load + graph + checks), "
              f"{py['validate'] / govcat[base]['check']:,.0f}x (pyshacl.validate vs checks alone)")
    elif py and "timeout" in py:
        spent = py.get("cpu") or py["timeout"]     # CPU seconds: a lower bound even on a busy machine
        speedup = spent / govcat[base]["total"]
        targets["speedup"] = {"pyshacl_total": f"> {spent:.0f} s CPU", "speedup": f"> {speedup:.0f}",
                              "met": speedup >= TARGET_SPEEDUP}
        print(f"speed-up at {base:,} entries: more than {speedup:,.0f}x (pySHACL stopped after {spent:.0f} CPU s)")
    if comparison:
        targets["identical_findings"] = {"met": comparison["identical"]}
    summary["targets"] = targets
    for name, target in targets.items():
        print(f"target {name}: {'met' if target['met'] else 'NOT met'}  {target}")
    (out / "validate_results.json").write_text(json.dumps(summary, indent=1, ensure_ascii=False))
    log(f"results in {out / 'validate_results.json'}")


if __name__ == "__main__":
    main()
