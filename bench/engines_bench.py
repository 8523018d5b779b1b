"""The suite's key figures with the store on each engine: embedded Oxigraph, `oxigraph serve`, Virtuoso.

    python bench/engines_bench.py                       # 1,000 entries (a few minutes)
    python bench/engines_bench.py --entries 10000       # larger (Virtuoso's load takes most of the time)
    python bench/engines_bench.py --engines embedded,oxigraph

Data: a generated catalogue (seed 1, CSV folder, cached in bench/out/engines-<entries>/). Each engine is
started on loopback with an empty database (tests/engines.py: the same set-up as the tests; Virtuoso is
installed by tests/setup_engines.sh when absent), then one fresh Python process per engine measures, with the
store settings pointing at it (govcat.engines):
- load: `load_file` with --publish (validation in context, then the write), and the same file again (nothing
  changes: every record is read back and compared);
- queries: saved queries run as govcat runs them (`Graph.select`, bound values where they take some),
  median of --repeat runs each;
- edit: single-entry edits through `save_record` (the REST/web write path), p50 and p95;
- duplicates and zombies (read the systems, detect, write the results), export to the template workbook, dump.
Peak memory: the measuring process's own, and the engine's (VmHWM of its process). Figures go to
bench/out/engines_bench-<entries>.json.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT / "tests"))
from common import cached, generate, write_results

SAVED = {   # name -> parameter bound from the data (None: no parameter)
    "entries_per_department": None, "overview_entries": None, "eval_entries_shareable": None,
    "systems_without_resources": None, "duplicate_pairs": None, "rest_entries": None,
    "versions": "entry", "lineage_down": "system", "public_entries": None, "changed_since": "since",
}

MEASURE = r"""
import datetime as dt, json, resource, statistics, sys, time
from pathlib import Path
from govcat.analytics import duplicates as d, zombies as z
from govcat.catalogue import Catalogue
from govcat.catalogue.export import dump, export_xlsx
from govcat.catalogue.loading import load_file, save_record
from govcat.catalogue.repository import is_admin_line
from govcat.namespaces import GC, XSD
from govcat.queries import query
from govcat.terms import iri, literal

source, store, repeat, edits, out = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), Path(sys.argv[5])
saved = json.loads(sys.argv[6])
figures = {}

def timed(name, run):
    started = time.perf_counter()
    value = run()
    figures[name] = round(time.perf_counter() - started, 3)
    return value

cat = timed("open_s", lambda: Catalogue.open(store))
loaded = timed("load_s", lambda: load_file(cat, source, "bench", publish=True))
assert loaded.written and loaded.report.conforms, loaded.report.results[:3]
again = timed("reload_unchanged_s", lambda: load_file(cat, source, "bench", publish=True))
assert not again.written and again.unchanged == len(loaded.new), (again.unchanged, len(loaded.new))
figures["records"] = len(loaded.new)
figures["quads"] = timed("count_quads_s", lambda: len(cat.graph))
one = lambda cls: cat.graph.select("SELECT ?r ?c WHERE { GRAPH ?r { ?r a ?c } } ORDER BY ?r LIMIT 1", {"c": iri(GC + cls)})[0]["r"]
values = {"entry": ("record", one("InformationResource")), "system": ("system", one("InformationSystem")),
          "since": ("since", literal("2000-01-01T00:00:00Z", XSD + "dateTime"))}
queries = {}
for name, param in saved.items():
    bindings = dict([values[param]]) if param else None
    times = []
    for _ in range(repeat + 1):
        started = time.perf_counter()
        rows = cat.graph.select(query(name), bindings)
        times.append((time.perf_counter() - started) * 1000)
    queries[name] = {"median_ms": round(statistics.median(times[1:]), 2), "rows": len(rows)}
figures["queries"] = queries
rows = cat.graph.select("SELECT ?c ?e WHERE { GRAPH ?e { ?e a ?c } } ORDER BY ?e LIMIT " + str(edits + 1),
                        {"c": iri(GC + "InformationResource")})
times = []
for i, row in enumerate(rows):
    lines = [l for l in cat.record_lines(row["e"].value) if not is_admin_line(l)]
    lines = [l.replace('/title> "', '/title> "修订' + str(i)) if "/title>" in l else l for l in lines]
    started = time.perf_counter()
    done = save_record(cat, "\n".join(lines) + "\n", "bench-editor")
    times.append((time.perf_counter() - started) * 1000)
    assert done.written and done.report.conforms
times = sorted(times[1:])    # the first edit pays for compiling the shapes
figures["edit_p50_ms"], figures["edit_p95_ms"] = round(times[len(times) // 2], 1), round(times[int(0.95 * len(times)) - 1], 1)
settings = d.Settings()
pairs = timed("duplicates_s", lambda: d.write(cat, d.detect(d.read_systems(cat, settings), settings), settings))
day = dt.date.today()
timed("zombies_s", lambda: z.write(cat, z.evaluate(cat, day, z.Thresholds(), z.stored_duplicates(cat)), day, z.Thresholds()))
timed("export_s", lambda: export_xlsx(cat, out / "export.xlsx"))
timed("dump_s", lambda: dump(cat, out / "dump.nq"))
figures["peak_mib"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
print(json.dumps(figures))
"""


def engine_peak(pid: int) -> int | None:
    """Peak resident memory (MiB) of a running process."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) // 1024
    except OSError:
        return None
    return None


def measure(source: Path, folder: Path, env: dict[str, str], repeat: int, edits: int) -> dict:
    folder.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", MEASURE, str(source), str(folder / "store"), str(repeat),
                           str(edits), str(folder), json.dumps(SAVED)], check=False, capture_output=True, text=True,
                          env=env)
    if proc.returncode != 0:
        raise SystemExit(f"the measuring process failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-5000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1]) | {"wall_s": round(time.perf_counter() - started, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--entries", type=int, default=1000)
    parser.add_argument("--engines", default="embedded,oxigraph,virtuoso")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--edits", type=int, default=20)
    parser.add_argument("--out", type=Path, default=HERE / "out")
    args = parser.parse_args()
    from engines import govcat_env, running_engine
    folder = cached(args.out, "engines", args.entries)
    source = folder / "catalogue"
    if not source.exists():
        generate(source, args.entries, seed=1)
    results = {"entries": args.entries, "engines": {}}
    for name in args.engines.split(","):
        work = folder / name
        subprocess.run(["rm", "-rf", str(work)], check=True)
        print(f"{name} …", flush=True)
        if name == "embedded":
            figures = measure(source, work, govcat_env({}), args.repeat, args.edits)
        else:
            with running_engine(name, work / "engine") as engine:
                figures = measure(source, work, govcat_env(engine.env), args.repeat, args.edits)
                figures["engine_peak_mib"] = engine_peak(engine.process.pid)
                figures["engine_disk_mib"] = round(sum(f.stat().st_size for f in (work / "engine").rglob("*")
                                                       if f.is_file()) / 2 ** 20)
        results["engines"][name] = figures
        print(json.dumps(figures, ensure_ascii=False), flush=True)
    write_results(args.out / f"engines_bench-{args.entries}.json", results)
    print(table(results))


def table(results: dict) -> str:
    engines = list(results["engines"])
    rows = [("load (s)", "load_s"), ("load again, unchanged (s)", "reload_unchanged_s"), ("edit p50 (ms)", "edit_p50_ms"),
            ("edit p95 (ms)", "edit_p95_ms"), ("duplicates (s)", "duplicates_s"), ("zombies (s)", "zombies_s"),
            ("export xlsx (s)", "export_s"), ("dump (s)", "dump_s"), ("peak memory, govcat (MiB)", "peak_mib"),
            ("peak memory, engine (MiB)", "engine_peak_mib")]
    lines = [f"{results['entries']} entries | " + " | ".join(engines), "---|" + "---|" * len(engines)]
    for label, key in rows:
        lines.append(label + " | " + " | ".join(str(results["engines"][e].get(key, "—")) for e in engines))
    for name in SAVED:
        lines.append(f"query {name} (ms) | " + " | ".join(str(results["engines"][e]["queries"][name]["median_ms"])
                                                       for e in engines))
    return "\n".join(lines)


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    main()
