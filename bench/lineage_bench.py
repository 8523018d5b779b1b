"""Lineage of a system 5 hops deep over HTTP (a real `govcat serve`), side by side with the baseline: one SPARQL
property-path query at /sparql for the same flows.

    python bench/lineage_bench.py --entries 100000         # full size (the issue's target: p95 ≤ 20 ms)
    python bench/lineage_bench.py                           # a quick run (1,000 entries)

Steps: `govcat.generate.generate_catalogue` (seed 3) → `govcat load` → a chain of six new systems LB-0 … LB-5
(copies of a generated system, in its department) with five flows LB-0→LB-1→…→LB-5, each carrying a generated
entry, written through `govcat.catalogue.loading.save_record` (validated like any edit) → `govcat serve`. The
store is kept in `--out` (`lineage-N/`) and reused. Measured, one request at a time after a warm-up, with a
viewer's token:
- `GET /api/lineage/LB-0?direction=down` (govcat.lineage: nodes, edges, departments);
- baseline: the same flows (codes, ends, their names, the entry carried) from one property-path query at
  /sparql — the text of the saved query `lineage_down` with the start a constant (its code), since /sparql
  takes no bound parameters (LATERAL, an Oxigraph extension, makes the flows a lookup per system reached);
- for information: the saved query `lineage_down` at /api/queries (the same property path, the start bound);
- the HTTP floor: `GET /api/queries` (a token check and a small JSON answer, no store access).
The answers are checked to name the same flows. Results go to `--out/lineage-N/results.json`."""
from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))
sys.path.insert(0, str(HERE))
from common import add_province_option, cached, generate, write_results  # noqa: E402

CHAIN = [f"LB-{n}" for n in range(6)]
BASELINE = """PREFIX gc: <https://w3id.org/govcat/def#>
PREFIX dct: <http://purl.org/dc/terms/>
SELECT DISTINCT ?flowCode ?sourceCode ?sourceName ?targetCode ?targetName ?resourceCode WHERE {
  { SELECT ?source WHERE { ?start dct:identifier "LB-0" . ?start (^gc:sourceSystem/gc:targetSystem)* ?source } }
  LATERAL {
    ?flow gc:sourceSystem ?source .
    FILTER EXISTS { ?flow a gc:DataFlow }
    ?flow gc:targetSystem ?target ; dct:identifier ?flowCode .
    ?source dct:identifier ?sourceCode .
    ?target dct:identifier ?targetCode .
    OPTIONAL { ?source dct:title ?sourceName }
    OPTIONAL { ?target dct:title ?targetName }
    OPTIONAL { ?flow gc:resource/dct:identifier ?resourceCode }
  }
}"""

ADD_CHAIN = """
import sys
from pathlib import Path
from govcat.catalogue import Catalogue
from govcat.catalogue.loading import save_record
from govcat.catalogue.repository import is_admin_line
from govcat.queries import query
cat = Catalogue.open(Path(sys.argv[1]))
chain = sys.argv[2:]
if cat.resolve(chain[0]) is None:
    rows = cat.graph.select(query("rest_flows"))
    flow = next(r["flow"].value for r in rows)
    lines = [l for l in cat.record_lines(flow) if not is_admin_line(l)]
    system = next(l.split("<https://w3id.org/govcat/def#sourceSystem> ")[1].rsplit(" .", 1)[0][1:-1]
                  for l in lines if "#sourceSystem>" in l)
    code = system.rsplit("/", 1)[1]
    base = system[: -len(code)]
    template = [l for l in cat.record_lines(system) if not is_admin_line(l)]
    for n, new in enumerate(chain):
        text = "\\n".join(l.replace(f"<{system}>", f"<{base}{new}>").replace(f'"{code}"', f'"{new}"')
                          for l in template if "/terms/title>" not in l)
        text += f'\\n<{base}{new}> <http://purl.org/dc/terms/title> "血缘基准系统{n}号" .\\n'
        assert save_record(cat, text, "bench").written
    flow_base, flow_code = flow.rsplit("/", 1)
    for n, (a, b) in enumerate(zip(chain, chain[1:])):
        out = []
        for l in lines:
            if "#sourceSystem>" in l:
                l = l.split("<https://w3id.org/govcat/def#sourceSystem>")[0] + f"<https://w3id.org/govcat/def#sourceSystem> <{base}{a}> ."
            elif "#targetSystem>" in l:
                l = l.split("<https://w3id.org/govcat/def#targetSystem>")[0] + f"<https://w3id.org/govcat/def#targetSystem> <{base}{b}> ."
            out.append(l.replace(f"<{flow}>", f"<{flow_base}/LBF-{n}>").replace(f'"{flow_code}"', f'"LBF-{n}"'))
        assert save_record(cat, "\\n".join(out) + "\\n", "bench").written
print(len(cat.graph))
"""


def prepare(entries: int, out: Path, province: bool = False) -> Path:
    from sparqlserver import clean_env
    folder = cached(out, "lineage", entries, province)
    store = folder / "store"
    if not (folder / "loaded").exists():
        folder.mkdir(parents=True, exist_ok=True)
        started = time.perf_counter()
        generate(folder / "catalogue", entries, seed=3, province=province)
        subprocess.run([sys.executable, "-m", "govcat", "load", str(folder / "catalogue"), "--store", str(store)],
                       check=True, capture_output=True, env=clean_env())
        (folder / "loaded").write_text(f"{time.perf_counter() - started:.1f} s\n")
    quads = subprocess.run([sys.executable, "-c", ADD_CHAIN, str(store), *CHAIN], check=True, capture_output=True,
                           text=True, env=clean_env()).stdout.strip()
    print(f"store {store}: {quads} quads, chain {' → '.join(CHAIN)}")
    return store


def timed(call, n: int, warm: int = 20) -> list[float]:
    for _ in range(warm):
        call()
    times = []
    for _ in range(n):
        started = time.perf_counter()
        call()
        times.append((time.perf_counter() - started) * 1000)
    return times


def summary(times: list[float]) -> dict:
    ordered = sorted(times)
    return {"p50": statistics.median(ordered), "p95": ordered[int(0.95 * (len(ordered) - 1))], "max": ordered[-1],
            "n": len(ordered)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=1000)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--out", type=Path, default=HERE / "out")
    add_province_option(parser)
    args = parser.parse_args()
    from sparqlserver import add_user, json_rows, start_server, stop_server

    store = prepare(args.entries, args.out, args.province)
    token = add_user(store, f"bench-{int(time.time())}", "viewer")
    server = start_server(store, {"GOVCAT_QUERY_TIMEOUT": "60", "GOVCAT_ROW_CAP": "10000"}, start_timeout=3600)
    client = server.client
    client.headers["Authorization"] = f"Bearer {token}"
    try:
        api = client.get("/api/lineage/LB-0", params={"direction": "down"}).json()
        code = {n["id"]: n["code"] for n in api["nodes"]}
        api_flows = {(code[e["source"]], code[e["target"]], e["flow"]) for e in api["edges"] if e["type"] == "flow"}
        base_rows = json_rows(client.get("/sparql", params={"query": BASELINE}))
        base_flows = {(r["sourceCode"], r["targetCode"], r["flowCode"]) for r in base_rows}
        saved_rows = json_rows(client.get("/api/queries/lineage_down", params={"system": "LB-0"}))
        saved_flows = {(r["sourceCode"], r["targetCode"], r["flowCode"]) for r in saved_rows}
        assert api_flows == base_flows == saved_flows, (api_flows, base_flows, saved_flows)
        assert {s for s, _t, _f in api_flows} | {t for _s, t, _f in api_flows} == set(CHAIN), api_flows
        results = {
            "lineage /api/lineage/LB-0?direction=down": summary(timed(
                lambda: client.get("/api/lineage/LB-0", params={"direction": "down"}).raise_for_status(), args.requests)),
            "baseline: property path at /sparql": summary(timed(
                lambda: client.get("/sparql", params={"query": BASELINE}).raise_for_status(), args.requests)),
            "saved query lineage_down (bound ?system)": summary(timed(
                lambda: client.get("/api/queries/lineage_down", params={"system": "LB-0"}).raise_for_status(),
                max(20, args.requests // 3))),
            "HTTP floor: GET /api/queries": summary(timed(
                lambda: client.get("/api/queries").raise_for_status(), args.requests)),
        }
    finally:
        stop_server(server, store)
    print(f"\nlineage of a system 5 hops deep, {args.entries} entries, {len(api['nodes'])} nodes "
          f"({len(api_flows)} flows), one request at a time (ms)")
    print(f"{'':48} {'p50':>8} {'p95':>8} {'max':>8} {'n':>5}")
    for name, s in results.items():
        print(f"{name:48} {s['p50']:8.2f} {s['p95']:8.2f} {s['max']:8.2f} {s['n']:5d}")
    p95 = results["lineage /api/lineage/LB-0?direction=down"]["p95"]
    print(f"\ntarget p95 ≤ 20 ms: {'met' if p95 <= 20 else 'NOT met'} ({p95:.2f} ms)")
    write_results(store.parent / "results.json", {"entries": args.entries, "date": time.strftime("%Y-%m-%d"),
                                                   "results": results})


if __name__ == "__main__":
    main()
