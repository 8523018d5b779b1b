"""Every benchmark of issues 2–6 at province scale (issue 9), each beside its baseline from the same run and
with its peak memory; writes a markdown section for bench/RESULTS.md.

    python bench/province.py --entries 200000 --out bench/out/province     # full size: hours; run it alone
    python bench/province.py --entries 5000 --out bench/out/province-5000  # end to end in about half an hour

Each bench script of this folder runs as it is, with `--province` (catalogues of `govcat generate --province`:
about 5,000 departments of the 14 市州 and 122 县市区, 20,000 systems, 1,000,000 data items and 50,000 flows at
200,000 entries, scaled to --entries), one after another, each in its own process tree:

  generate    govcat generate --province (seed 1), counts per level
  validate    validate_bench.py: validate_path, beside plain pySHACL at --validate-baseline entries
  load        load_bench.py: govcat load beside raw Store.bulk_load; single-entry edits beside a raw replace
  analytics   analytics_bench.py: duplicates beside all pairs of a 2,000-system sample (extrapolated); zombies
  lineage     lineage_bench.py: /api/lineage 5 hops beside one property-path query at /sparql
  search      search_bench.py: /api/search, 4 concurrent clients, beside a SPARQL CONTAINS scan
  rest        rest_bench.py: the REST API over HTTP beside the same calls in-process
  sparql      sparql_bench.py: saved and analyst queries at /sparql beside `oxigraph serve`; SPARQL Update
  harvest     harvest_bench.py: harvest between two nodes and the feed export, at 1,000 entries and --entries

Peak memory of a step: the largest single process of its tree (getrusage of the waited-for tree, as
`/usr/bin/time -v` reports it) and the largest sum of the tree's resident memory, sampled from /proc every
0.5 s. The steps' logs are in <out>/logs/; the figures in <out>/province.json; the section in
<out>/RESULTS-province.md. `--reuse` keeps the steps already measured in <out> (to resume a long run).
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import threading
import time
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
from common import cached, write_results  # noqa: E402
from province_report import READERS, markdown, row  # noqa: E402

STEPS = ("generate", "validate", "load", "analytics", "lineage", "search", "rest", "sparql", "harvest")

GENERATE = """
import json, sys
from pathlib import Path
sys.path.insert(0, sys.argv[3])
from common import generate
result = generate(Path(sys.argv[1]), int(sys.argv[2]), seed=1, province=True)
print(json.dumps({"counts": result.counts, "levels": result.levels}, ensure_ascii=False))
"""


def tree_rss(root: int) -> int:
    """Resident bytes of `root` and all its descendants, from /proc."""
    children: dict[int, list[int]] = {}
    pages: dict[int, int] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", encoding="ascii", errors="replace") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid = int(entry.name)
        children.setdefault(int(fields[1]), []).append(pid)
        pages[pid] = int(fields[21])
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        total += pages.get(pid, 0)
        todo += children.get(pid, [])
    return total * os.sysconf("SC_PAGE_SIZE")


def run_step(name: str, argv: list[str], out: Path) -> dict:
    """Run one step to its end; its wall time, CPU time, exit code and peak memory (MiB)."""
    log = out / "logs" / f"{name}.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    shown = ["<script>" if "\n" in a else a for a in argv[1:]]
    print(f"[{time.strftime('%H:%M:%S')}] {name}: {' '.join(shown)}", flush=True)
    load_before = os.getloadavg()[0]
    started = time.perf_counter()
    with open(log, "wb") as f:
        proc = subprocess.Popen(argv, stdout=f, stderr=subprocess.STDOUT, cwd=ROOT)
    peak = [0]
    stop = threading.Event()

    def sample() -> None:
        while not stop.wait(0.5):
            peak[0] = max(peak[0], tree_rss(proc.pid))
    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _pid, status, usage = os.wait4(proc.pid, 0)
    stop.set()
    sampler.join()
    proc.returncode = os.waitstatus_to_exitcode(status)
    figures = {"argv": shown, "exit": proc.returncode, "wall_s": time.perf_counter() - started,
               "cpu_s": usage.ru_utime + usage.ru_stime, "peak_process_mib": usage.ru_maxrss / 1024,
               "peak_tree_mib": max(peak[0] / 2**20, usage.ru_maxrss / 1024), "load_before": load_before, "load_after": os.getloadavg()[0],
               "log": str(log.relative_to(out))}
    verdict = "ok" if proc.returncode == 0 else f"FAILED ({proc.returncode}), see {log}"
    print(f"    {verdict}: {figures['wall_s']:.0f} s, peak {figures['peak_process_mib']:.0f} MiB (largest process), "
          f"{figures['peak_tree_mib']:.0f} MiB (tree)", flush=True)
    return figures


def commands(args) -> dict[str, list[str]]:
    n, py = str(args.entries), [sys.executable]
    bench = {name: py + [str(HERE / f"{name}_bench.py")] for name in
             ("validate", "load", "analytics", "lineage", "search", "rest", "sparql", "harvest")}
    common = ["--province", "--out", str(args.out)]
    sizes = f"1000,{n}" if args.entries > 1000 else n
    return {
        "generate": py + ["-c", GENERATE, str(cached(args.out, "catalogue", args.entries, True)), n, str(HERE)],
        "validate": bench["validate"] + ["--sizes", n, "--baseline-size", str(args.validate_baseline),
                                         "--pyshacl-timeout", str(args.pyshacl_timeout)] + common,
        "load": bench["load"] + ["--entries", n, "--edits", "200"] + common,
        "analytics": bench["analytics"] + ["--entries", n, "--plants", str(max(10, args.entries // 1000)),
                                           "--sample", "2000"] + common,
        "lineage": bench["lineage"] + ["--entries", n, "--requests", "300"] + common,
        "search": bench["search"] + ["--entries", n, "--rounds", "20", "--baseline-rounds",
                                     str(args.search_baseline_rounds)] + common,
        "rest": bench["rest"] + ["--entries", n] + common,
        "sparql": bench["sparql"] + ["--entries", n, "--repeat", str(args.sparql_repeat), "--updates", "20"] + common,
        "harvest": bench["harvest"] + ["--sizes", sizes] + common,
    }


def command_output(*argv: str) -> str:
    try:
        return subprocess.run(argv, capture_output=True, text=True, timeout=30, check=False).stdout
    except (OSError, subprocess.SubprocessError):
        return ""


def machine() -> dict:
    lscpu = dict(line.split(":", 1) for line in command_output("lscpu").splitlines() if ":" in line)
    free = next((line.split() for line in command_output("free", "-m").splitlines() if line.startswith("Mem:")), [])
    versions = {}
    for package in ("pyoxigraph", "tantivy", "pyshacl", "rdflib", "jieba", "fastapi", "uvicorn"):
        try:
            versions[package] = version(package)
        except PackageNotFoundError:
            versions[package] = "—"
    return {"cpu": lscpu.get("Model name", "?").strip(), "cpus": lscpu.get("CPU(s)", "?").strip(),
            "threads_per_core": lscpu.get("Thread(s) per core", "?").strip(),
            "mem_total_mib": int(free[1]) if len(free) > 1 else None,
            "mem_available_mib": int(free[6]) if len(free) > 6 else None,
            "python": platform.python_version(), **versions,
            "oxigraph_cli": command_output("oxigraph", "--version").strip() or "—",
            "commit": command_output("git", "-C", str(ROOT), "rev-parse", "--short", "HEAD").strip(),
            "date_utc": time.strftime("%Y-%m-%d %H:%M", time.gmtime())}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    parser.add_argument("--entries", type=int, default=200_000)
    parser.add_argument("--out", type=Path, default=HERE / "out" / "province")
    parser.add_argument("--only", default=",".join(STEPS), help="steps to run, comma-separated")
    parser.add_argument("--reuse", action="store_true", help="keep the steps already measured in --out")
    parser.add_argument("--validate-baseline", type=int, default=100,
                        help="entries at which plain pySHACL runs (it needs minutes per hundred entries)")
    parser.add_argument("--pyshacl-timeout", type=int, default=3600)
    parser.add_argument("--search-baseline-rounds", type=int, default=1,
                        help="CONTAINS scans per word (each a full scan of the store)")
    parser.add_argument("--sparql-repeat", type=int, default=10)
    args = parser.parse_args()
    args.out = args.out.resolve()
    args.out.mkdir(parents=True, exist_ok=True)
    chosen = [s for s in STEPS if s in args.only.split(",")]
    state_path = args.out / "province.json"
    state = json.loads(state_path.read_text(encoding="utf-8")) if state_path.exists() else {}
    if state.get("entries") not in (None, args.entries):
        print(f"{state_path} held a run at {state['entries']:,} entries: starting afresh", flush=True)
        state = {}
    command = " ".join(["python", os.path.relpath(sys.argv[0], ROOT)] + sys.argv[1:])
    steps = state.setdefault("steps", {})
    argv = commands(args)
    for name in chosen:
        if args.reuse and steps.get(name, {}).get("exit") == 0:
            print(f"{name}: kept from the earlier run", flush=True)
            continue
        if state.get("command") != command:    # the machine and command of the run that measures
            state.update({"entries": args.entries, "machine": machine(), "command": command})
        steps[name] = run_step(name, argv[name], args.out)
        if name == "generate" and steps[name]["exit"] == 0:
            lines = (args.out / steps[name]["log"]).read_text(encoding="utf-8").strip().splitlines()
            steps[name]["result"] = json.loads(lines[-1])
        write_results(state_path, state)
    if "machine" not in state:
        state.update({"entries": args.entries, "machine": machine(), "command": command})
    results = {}
    for name in STEPS:
        if steps.get(name, {}).get("exit") == 0:
            try:
                results[name] = READERS[name](args.out, args.entries, steps[name])
            except (OSError, KeyError, ValueError, TypeError) as exc:   # a bench's output changed: say so
                results[name] = {"rows": [row(name, f"figures unreadable: {exc!r}", "—", "—", "—")]}
    section = markdown(state, results)
    (args.out / "RESULTS-province.md").write_text(section, encoding="utf-8")
    print(section)


if __name__ == "__main__":
    os.environ.pop("GOVCAT_STORE", None)
    main()
