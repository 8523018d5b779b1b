"""Loading a generated catalogue end to end (parse, validate, write) vs raw Store.bulk_load, and the
latency of single-entry edits on the loaded store.

    python bench/load_bench.py --entries 100000
    python bench/load_bench.py --entries 200000 --province --out bench/out/province

Each measurement runs in a fresh process; peak memory is that process's maximum RSS. The baseline is
`pyoxigraph.Store.bulk_load` of the N-Quads that the govcat load produced, into an empty store."""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from common import add_province_option, cached, generate, write_results  # noqa: E402


PEAK = "\nimport resource as _r, json as _j; print(_j.dumps({'peak_mib': _r.getrusage(_r.RUSAGE_SELF).ru_maxrss / 1024}))"


def child(code: str, *args: str) -> dict:
    """Run `code` in a fresh Python; it prints one JSON object. Adds wall time and the child's own
    peak RSS (MiB)."""
    started = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", code + PEAK, *args], capture_output=True, text=True)
    wall = time.perf_counter() - started
    if proc.returncode != 0:
        raise SystemExit(f"child failed:\n{proc.stdout}\n{proc.stderr}")
    *_, result, peak = proc.stdout.strip().splitlines()
    return {**json.loads(result), **json.loads(peak), "wall": wall}


GOVCAT_LOAD = """
import json, sys, time
from pathlib import Path
from govcat.catalogue import Catalogue
from govcat.catalogue.loading import load_file
steps = {}
last = [time.perf_counter(), None]
def progress(step):
    now = time.perf_counter()
    if last[1]:
        steps[last[1]] = round(now - last[0], 2)
    last[0], last[1] = now, step.split(' / ')[-1]
started = time.perf_counter()
cat = Catalogue.open(Path(sys.argv[2]))
out = load_file(cat, Path(sys.argv[1]), "bench", progress=progress)
progress("end")
load_seconds = time.perf_counter() - started
assert out.written and out.report.conforms, out.report.results[:5]
cat.graph.dump_dataset("nq", Path(sys.argv[3]))
print(json.dumps({"records": len(out.new), "quads": len(cat.graph), "steps": steps, "load": load_seconds}))
"""

RAW_BULK_LOAD = """
import json, sys
import pyoxigraph as ox
store = ox.Store(sys.argv[2])
store.bulk_load(path=sys.argv[1], format=ox.RdfFormat.N_QUADS)
store.flush()
print(json.dumps({"quads": len(store)}))
"""

EDITS = """
import json, sys, time
from pathlib import Path
from govcat.catalogue import Catalogue
from govcat.catalogue.loading import save_record
from govcat.catalogue.repository import is_admin_line
from govcat.terms import iri
cat = Catalogue.open(Path(sys.argv[1]))
n = int(sys.argv[2])
rows = cat.graph.select("SELECT ?c ?e WHERE { GRAPH ?e { ?e a ?c } } LIMIT " + str(n + 1),
                        {"c": iri("https://w3id.org/govcat/def#InformationResource")})
times, texts = [], []
for i, row in enumerate(rows):
    record = row["e"].value
    lines = [l for l in cat.record_lines(record) if not is_admin_line(l)]
    lines = [l.replace('/title> "', '/title> "修订' + str(i)) if "/title>" in l else l for l in lines]
    started = time.perf_counter()
    out = save_record(cat, "\\n".join(lines) + "\\n", "bench-editor")
    times.append((time.perf_counter() - started) * 1000)
    assert out.written and out.report.conforms
    texts.append((record, "\\n".join(lines) + "\\n"))
Path(sys.argv[3]).write_text(json.dumps(texts[1:]), encoding="utf-8")
times = sorted(times[1:])          # the first edit pays for compiling the shapes
print(json.dumps({"edits": len(times), "p50_ms": times[len(times) // 2], "p95_ms": times[int(0.95 * len(times)) - 1],
                  "max_ms": times[-1]}))
"""

RAW_EDITS = """
import json, sys, time
import pyoxigraph as ox
store = ox.Store(sys.argv[1])
times = []
for record, text in json.loads(open(sys.argv[2], encoding="utf-8").read()):
    started = time.perf_counter()
    graph = ox.NamedNode(record)
    quads = [ox.Quad(t.subject, t.predicate, t.object, graph) for t in ox.parse(text, ox.RdfFormat.N_TRIPLES)]
    store.remove_graph(graph)
    store.extend(quads)
    times.append((time.perf_counter() - started) * 1000)
times.sort()
print(json.dumps({"edits": len(times), "p50_ms": times[len(times) // 2], "p95_ms": times[int(0.95 * len(times)) - 1],
                  "max_ms": times[-1]}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=100_000)
    parser.add_argument("--edits", type=int, default=200)
    parser.add_argument("--out", type=Path, default=HERE / "out")
    add_province_option(parser)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    data = cached(args.out, "catalogue", args.entries, args.province)
    if not data.exists():
        generate(data, args.entries, seed=1, province=args.province)
    store, raw, nq = args.out / "load-store", args.out / "raw-store", args.out / "load.nq"
    for path in (store, raw):
        shutil.rmtree(path, ignore_errors=True)
    nq.unlink(missing_ok=True)

    govcat = child(GOVCAT_LOAD, str(data), str(store), str(nq))
    baseline = child(RAW_BULK_LOAD, str(nq), str(raw))
    edited = args.out / "edits.json"
    edits = child(EDITS, str(store), str(args.edits), str(edited))
    raw_edits = child(RAW_EDITS, str(raw), str(edited))   # the same records, replaced in the raw store: the floor
    ratio = govcat["load"] / baseline["wall"]     # the load itself: not the interpreter start or the dump
    print(f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}; entries {args.entries}, "
          f"records {govcat['records']}, quads in store {govcat['quads']}")
    print(f"{'':34}{'time (s)':>10}{'peak RSS (MiB)':>16}")
    print(f"{'govcat load (parse+validate+write)':34}{govcat['load']:>10.1f}{govcat['peak_mib'] or 0:>16.0f}")
    print(f"{'raw Store.bulk_load of its N-Quads':34}{baseline['wall']:>10.1f}{baseline['peak_mib'] or 0:>16.0f}")
    print(f"ratio govcat / raw: {ratio:.2f} (target <= 3)")
    print("govcat phases (s):", govcat["steps"])
    print(f"single-entry edit on the loaded store: p50 {edits['p50_ms']:.1f} ms, p95 {edits['p95_ms']:.1f} ms, "
          f"max {edits['max_ms']:.1f} ms over {edits['edits']} edits (target p95 <= 50 ms)")
    print(f"baseline, the same records' triples replaced in the raw store (no validation, no history): "
          f"p50 {raw_edits['p50_ms']:.2f} ms, p95 {raw_edits['p95_ms']:.2f} ms")
    write_results(args.out / "load_results.json", {"entries": args.entries, "province": args.province,
                                                   "govcat": govcat, "raw": baseline, "ratio": ratio, "edits": edits,
                                                   "raw_edits": raw_edits})


if __name__ == "__main__":
    main()
