"""/sparql against `oxigraph serve` on the same store contents: latency per query, side by side.

    python bench/sparql_bench.py --entries 100000          # full size (issue 4: govcat ≤ 1.2× oxigraph)
    python bench/sparql_bench.py --entries 1000 --repeat 10   # a quick check

Data (cached in bench/out/sparql-<entries>/): a generated catalogue (seed 1, CSV folder), loaded with
`govcat load --publish`, and an admin user. The store is compacted (RocksDB's optimize), then `oxigraph
serve-read-only --union-default-graph` serves a hard-linked backup of it, so both answer from the same quads
in the same layout; govcat is queried with the admin token (its admin view is a checkpoint of the whole store),
with GOVCAT_ROW_CAP=0 so that both send whole answers.

Queries: every queries/*.rq that takes no parameters (its header comment names no ?variable and it is not
about one record), and a few typical analyst queries (below). Each is checked to give the same number of
rows on both, run twice to warm up, then --repeat times (at least 100 times when it takes under 50 ms: a
median of a few runs of a millisecond query is mostly noise), the two servers alternating, each first every
other time. Also shown: the same
query in process (pyoxigraph on the copy, results serialized), the floor that HTTP and the pipe to govcat's
worker add to. A query repeated on an unchanged store is answered by govcat in its own process after a worker
answered it within 25 ms (govcat.query_local), so the last measurement is a point lookup of a different entry
each time (`entry_by_code`), which a worker answers. Figures go to bench/out/sparql_bench-<entries>.json.
"""
from __future__ import annotations

import argparse
import gc
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
from common import add_province_option, cached, generate, write_results  # noqa: E402
QUERIES = ROOT / "queries"
SLOW = 2.0   # s: a query slower than this is run a quarter of --repeat times (at least 3)
FAST = 0.05  # s: a query faster than this is run at least FAST_RUNS times (its median moves with a few runs)
FAST_RUNS = 100
RESULTS_JSON, NTRIPLES = "application/sparql-results+json", "application/n-triples"
ABOUT_ONE = {"department_records", "last_version", "user_by_name", "versions"}   # a record or user is bound

GC = "PREFIX gc: <https://w3id.org/govcat/def#>\nPREFIX dct: <http://purl.org/dc/terms/>\n"
ANALYST = {   # typical questions an analyst sends; {entry}, {code} and {system} are filled in from the data
    "ask_trivial": "ASK {}",
    "count_all_triples": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }",
    "entries_per_department_and_sharing_type": GC + """SELECT ?dept ?type (COUNT(?e) AS ?n) WHERE {
        ?e a gc:InformationResource ; dct:publisher ?dept ; gc:sharingType ?type } GROUP BY ?dept ?type""",
    "titles_containing_社保": GC + """SELECT ?e ?title WHERE { ?e a gc:InformationResource ; dct:title ?title
        FILTER(CONTAINS(?title, "社保")) }""",
    "entry_by_code": GC + """SELECT ?p ?o WHERE { ?e dct:identifier "{code}" ; ?p ?o }""",
    "describe_entry": "DESCRIBE <{entry}>",
    "systems_without_entries": GC + """SELECT ?s WHERE { ?s a gc:InformationSystem
        FILTER NOT EXISTS { ?e gc:sourceSystem ?s } }""",
    "downstream_of_a_system": GC + """SELECT DISTINCT ?down WHERE {
        <{system}> (^gc:sourceSystem/gc:targetSystem)+ ?down }""",
    "first_1000_titles_construct": GC + """CONSTRUCT { ?e dct:title ?t } WHERE {
        ?e a gc:InformationResource ; dct:title ?t } ORDER BY ?e LIMIT 1000""",
    "open_entries_page": GC + """SELECT ?e ?code ?title WHERE { ?e a gc:InformationResource ;
        gc:openToPublic true ; dct:identifier ?code ; dct:title ?title } ORDER BY ?code LIMIT 50 OFFSET 100""",
}


def saved_queries() -> dict[str, str]:
    """The saved queries that take no parameters."""
    found = {}
    for path in sorted(QUERIES.glob("*.rq")):
        text = path.read_text(encoding="utf-8")
        header = "\n".join(line for line in text.splitlines() if line.startswith("#"))
        if re.search(r"\?\w", header) or re.search(r"(?i)\b(bind|bound|param)", header) or path.stem in ABOUT_ONE:
            continue
        found["rq:" + path.stem] = text
    return found


# -- data --------------------------------------------------------------------------------------------------
def prepare(entries: int, out: Path, province: bool = False) -> tuple[Path, Path, str]:
    """The store, its hard-linked copy for oxigraph, and the admin token (made once, then reused)."""
    folder = cached(out, "sparql", entries, province)
    catalogue, store, copy, token_file = folder / "catalogue", folder / "store", folder / "oxigraph-copy", \
        folder / "admin.token"
    env = {k: v for k, v in os.environ.items() if not k.startswith("GOVCAT_")}
    if not (folder / "loaded.ok").exists():
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        started = time.perf_counter()
        generate(catalogue, entries, seed=1, province=province)
        print(f"generated {entries} entries in {time.perf_counter() - started:.1f} s", flush=True)
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "govcat", "load", str(catalogue), "--store", str(store), "--publish"],
                       check=True, env=env, stdout=subprocess.DEVNULL)
        print(f"loaded in {time.perf_counter() - started:.1f} s", flush=True)
        token = subprocess.run([sys.executable, "-m", "govcat", "user", "add", "bench", "--role", "admin",
                                "--store", str(store)], check=True, env=env, capture_output=True, text=True)
        token_file.write_text(token.stdout.strip().splitlines()[-1])
        (folder / "loaded.ok").write_text("")
    # Opened as the server opens it (which brings the ontology, code-list and shapes graphs up to date with
    # the project's files), then backed up for oxigraph: the same quads on both sides.
    # Compacted first (RocksDB's optimize): a copy of a store as `govcat load` leaves it answers some queries
    # up to four times slower than the same store once compacted, and the server's checkpoints are taken after
    # RocksDB has compacted in the background, so without this the baseline read a slower layout.
    import pyoxigraph
    from govcat.catalogue import Catalogue
    from govcat.engines import EMBEDDED
    shutil.rmtree(copy, ignore_errors=True)
    cat = Catalogue.open(store)
    del cat
    gc.collect()           # closes the store
    started = time.perf_counter()
    raw = pyoxigraph.Store(str(store / EMBEDDED))
    raw.optimize()
    raw.backup(str(copy))
    del raw
    gc.collect()           # closes the store before the server opens it
    print(f"compacted and copied in {time.perf_counter() - started:.1f} s", flush=True)
    return store, copy, token_file.read_text().strip()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_up(url: str, process: subprocess.Popen, name: str, log: Path) -> None:
    deadline = time.monotonic() + 1800     # the first start at 100,000 entries builds the public view
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"{name} exited:\n{log.read_text()[-3000:]}")
        try:
            if httpx.get(url, params={"query": "ASK {}"}, timeout=5).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"{name} did not start")


# -- measuring ---------------------------------------------------------------------------------------------
def fill(text: str, values: dict[str, str]) -> str:
    for key, value in values.items():
        text = text.replace("{" + key + "}", value)
    return text


def kind(text: str) -> str:
    body = re.sub(r"(?im)^\s*(#.*|PREFIX\s+\S*\s*<[^>]*>|BASE\s*<[^>]*>)\s*$", "", text).lstrip().upper()
    return "graph" if body.startswith(("CONSTRUCT", "DESCRIBE")) else "results"


def rows(body: bytes, accept: str) -> int:
    if accept == NTRIPLES:
        return sum(1 for line in body.splitlines() if line.strip())
    answer = json.loads(body)
    return 1 if "boolean" in answer else len(answer["results"]["bindings"])


def timed(client: httpx.Client, url: str, text: str, accept: str) -> tuple[float, bytes]:
    started = time.perf_counter()
    response = client.post(url, content=text.encode("utf-8"),
                           headers={"Content-Type": "application/sparql-query", "Accept": accept})
    elapsed = time.perf_counter() - started
    if response.status_code != 200:
        raise RuntimeError(f"{url}: {response.status_code} {response.text[:300]}")
    return elapsed, response.content


def in_process(graph, text: str, accept: str) -> float:
    started = time.perf_counter()
    graph.query_serialized(text, accept)
    return time.perf_counter() - started


def summary(times: list[float]) -> dict[str, float]:
    ordered = sorted(times)
    return {"median_ms": statistics.median(ordered) * 1000,
            "p95_ms": ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))] * 1000}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--entries", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--out", type=Path, default=HERE / "out")
    parser.add_argument("--only", default=None, help="run only the queries whose name contains this")
    parser.add_argument("--skip", default="", help="leave out these queries, comma-separated names as printed "
                                                   "(rq:dcat_entries, …): to finish a run that was stopped")
    parser.add_argument("--updates", type=int, default=20,
                        help="SPARQL Updates to time (on a copy of the store; 0: none)")
    add_province_option(parser)
    args = parser.parse_args()
    store, copy, token = prepare(args.entries, args.out, args.province)

    from govcat.store import Graph
    govcat_port, oxigraph_port = free_port(), free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("GOVCAT_")} | {
        "GOVCAT_ROW_CAP": "0", "GOVCAT_QUERY_TIMEOUT": "300", "GOVCAT_QUERY_WORKERS": "2"}
    logs = cached(args.out, "sparql", args.entries, args.province)
    started = time.perf_counter()
    with open(logs / "govcat.log", "wb") as glog, open(logs / "oxigraph.log", "wb") as olog:
        govcat = subprocess.Popen([sys.executable, "-m", "govcat", "serve", "--store", str(store), "--port",
                                   str(govcat_port)], env=env, stdout=glog, stderr=subprocess.STDOUT)
        oxigraph = subprocess.Popen(["oxigraph", "serve-read-only", "--location", str(copy), "--bind",
                                     f"127.0.0.1:{oxigraph_port}", "--union-default-graph"],
                                    stdout=olog, stderr=subprocess.STDOUT)
    urls = {"govcat": f"http://127.0.0.1:{govcat_port}/sparql", "oxigraph": f"http://127.0.0.1:{oxigraph_port}/query"}
    try:
        wait_until_up(urls["oxigraph"], oxigraph, "oxigraph", logs / "oxigraph.log")
        wait_until_up(urls["govcat"], govcat, "govcat serve", logs / "govcat.log")
        print(f"both servers up in {time.perf_counter() - started:.1f} s", flush=True)
        clients = {"govcat": httpx.Client(timeout=600, headers={"Authorization": f"Bearer {token}"}),
                   "oxigraph": httpx.Client(timeout=600)}
        local = Graph.read_only(copy)
        picks = json.loads(timed(clients["oxigraph"], urls["oxigraph"], GC + """SELECT ?entry ?code ?system WHERE {
            ?entry a gc:InformationResource ; dct:identifier ?code .
            { SELECT ?system (COUNT(?f) AS ?n) WHERE { ?f gc:sourceSystem ?system ; a gc:DataFlow } GROUP BY ?system
              ORDER BY DESC(?n) LIMIT 1 } } ORDER BY ?code LIMIT 1""", RESULTS_JSON)[1])["results"]["bindings"][0]
        values = {k: v["value"] for k, v in picks.items()}
        values["entry"] = picks["entry"]["value"]
        queries = saved_queries() | {name: fill(text, values) for name, text in ANALYST.items()}
        if args.only:
            queries = {k: v for k, v in queries.items() if args.only in k}
        skipped = set(filter(None, args.skip.split(",")))
        queries = {k: v for k, v in queries.items() if k not in skipped}
        results = {}
        for name, text in queries.items():
            accept = NTRIPLES if kind(text) == "graph" else RESULTS_JSON
            counts, first = {}, 0.0
            for server in ("govcat", "oxigraph"):
                elapsed, body = timed(clients[server], urls[server], text, accept)
                counts[server], first = rows(body, accept), max(first, elapsed)
            if counts["govcat"] != counts["oxigraph"]:
                raise SystemExit(f"{name}: govcat gave {counts['govcat']} rows, oxigraph {counts['oxigraph']}")
            times: dict[str, list[float]] = {"govcat": [], "oxigraph": [], "in-process": []}
            for server in ("govcat", "oxigraph"):
                timed(clients[server], urls[server], text, accept)
            runs = (max(args.repeat, FAST_RUNS) if first < FAST else args.repeat if first < SLOW
                    else max(3, args.repeat // 4))          # milliseconds: more runs; seconds-long queries: fewer
            for run in range(runs):
                # which server goes first alternates: the one right after the in-process run found colder caches
                # (dcat_concepts at 100,000 entries: 1.32× with govcat always first, 1.12× measured alone)
                for server in ("govcat", "oxigraph") if run % 2 else ("oxigraph", "govcat"):
                    times[server].append(timed(clients[server], urls[server], text, accept)[0])
                times["in-process"].append(in_process(local, text, accept))
            results[name] = {"rows": counts["govcat"], "runs": runs, **{k: summary(v) for k, v in times.items()}}
            r = results[name]
            print(f"{name:52} {r['rows']:>8} rows  govcat {r['govcat']['median_ms']:9.1f} / {r['govcat']['p95_ms']:9.1f} ms"
                  f"  oxigraph {r['oxigraph']['median_ms']:9.1f} / {r['oxigraph']['p95_ms']:9.1f} ms"
                  f"  ratio {r['govcat']['median_ms'] / r['oxigraph']['median_ms']:5.2f}"
                  f"  in-process {r['in-process']['median_ms']:9.1f} ms", flush=True)
        new_texts = time_new_texts(clients, urls, args.repeat) if not args.only else None
    finally:
        for process in (govcat, oxigraph):
            process.send_signal(signal.SIGTERM)
        for process in (govcat, oxigraph):
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()
    figures = report(results, args)
    if figures and new_texts:
        figures["new_texts"] = new_texts
        write_results(figures["path"], {k: v for k, v in figures.items() if k != "path"})
    if args.updates and figures:
        figures["updates"] = time_updates(store, token, args)
        write_results(figures["path"], {k: v for k, v in figures.items() if k != "path"})


def time_new_texts(clients: dict, urls: dict, repeat: int) -> dict:
    """`entry_by_code` for a different entry each time: a text govcat has not answered before, so a worker
    answers it (a request answered cheaply once is answered in the server process after that)."""
    count = max(repeat, FAST_RUNS)
    found = json.loads(timed(clients["oxigraph"], urls["oxigraph"], GC + f"""SELECT ?code WHERE {{
        ?e a gc:InformationResource ; dct:identifier ?code }} ORDER BY DESC(?code) LIMIT {count}""", RESULTS_JSON)[1])
    codes = [b["code"]["value"] for b in found["results"]["bindings"]]
    times: dict[str, list[float]] = {"govcat": [], "oxigraph": []}
    for run, code in enumerate(codes):
        text = fill(ANALYST["entry_by_code"], {"code": code})
        for server in ("govcat", "oxigraph") if run % 2 else ("oxigraph", "govcat"):
            times[server].append(timed(clients[server], urls[server], text, RESULTS_JSON)[0])
    figures = {"runs": len(codes), **{k: summary(v) for k, v in times.items()}}
    print(f"\nentry_by_code, a new entry each run ({len(codes)} runs): govcat {figures['govcat']['median_ms']:.2f} / "
          f"{figures['govcat']['p95_ms']:.2f} ms, oxigraph {figures['oxigraph']['median_ms']:.2f} / "
          f"{figures['oxigraph']['p95_ms']:.2f} ms, ratio {figures['govcat']['median_ms'] / figures['oxigraph']['median_ms']:.2f}",
          flush=True)
    return figures


def report(results: dict, args) -> dict | None:
    if not results:
        return None
    ratios = [r["govcat"]["median_ms"] / r["oxigraph"]["median_ms"] for r in results.values()]
    ratios95 = [r["govcat"]["p95_ms"] / r["oxigraph"]["p95_ms"] for r in results.values()]
    geo = statistics.geometric_mean(ratios) if ratios else float("nan")
    total = {s: sum(r[s]["median_ms"] for r in results.values()) for s in ("govcat", "oxigraph", "in-process")}
    print()
    print("| query | rows | runs | govcat median / p95 (ms) | oxigraph median / p95 (ms) | ratio (median) | in process (ms) |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for name, r in results.items():
        print(f"| {name} | {r['rows']} | {r['runs']} | {r['govcat']['median_ms']:.1f} / {r['govcat']['p95_ms']:.1f} | "
              f"{r['oxigraph']['median_ms']:.1f} / {r['oxigraph']['p95_ms']:.1f} | "
              f"{r['govcat']['median_ms'] / r['oxigraph']['median_ms']:.2f} | {r['in-process']['median_ms']:.1f} |")
    print(f"\n{len(results)} queries at {args.entries} entries. Ratio govcat/oxigraph: "
          f"geometric mean {geo:.2f} (median latencies), worst {max(ratios):.2f}; p95 worst {max(ratios95):.2f}; "
          f"sum of medians {total['govcat']:.0f} ms vs {total['oxigraph']:.0f} ms "
          f"({total['govcat'] / total['oxigraph']:.2f}×). Target: ≤ 1.2×.")
    out = args.out / f"sparql_bench-{'province-' if args.province else ''}{args.entries}.json"
    figures = {"entries": args.entries, "repeat": args.repeat, "results": results, "geometric_mean_ratio": geo}
    write_results(out, figures)
    print(f"figures: {out}")
    return figures | {"path": out}


# -- SPARQL Update -------------------------------------------------------------------------------------------
def time_updates(store: Path, token: str, args) -> dict:
    """SPARQL Update end to end (scratch copy, effect, validation in context, commit with history, refresh),
    on a copy of the store so that the cached one stays as generated."""
    from govcat.catalogue import Catalogue
    scratch = store.parent / "store-update-copy"
    shutil.rmtree(scratch, ignore_errors=True)
    scratch.mkdir()
    cat = Catalogue.open(store)
    cat.graph.backup(scratch / "oxigraph")
    del cat
    gc.collect()
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("GOVCAT_")} | {"GOVCAT_QUERY_TIMEOUT": "300"}
    log = store.parent / "govcat-update.log"
    with open(log, "wb") as out:
        server = subprocess.Popen([sys.executable, "-m", "govcat", "serve", "--store", str(scratch), "--port", str(port)],
                                  env=env, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/sparql"
    try:
        wait_until_up(url, server, "govcat serve (updates)", log)
        client = httpx.Client(timeout=600, headers={"Authorization": f"Bearer {token}"})
        entries = [b["e"]["value"] for b in client.post(url, content=(GC + """SELECT ?e WHERE { GRAPH ?e {
            ?e a gc:InformationResource } } ORDER BY ?e LIMIT 1000""").encode(),
            headers={"Content-Type": "application/sparql-query"}).json()["results"]["bindings"]]
        one = GC + """DELETE {{ GRAPH <{e}> {{ <{e}> dct:title ?t }} }} INSERT {{ GRAPH <{e}> {{ <{e}> dct:title ?n }} }}
            WHERE {{ GRAPH <{e}> {{ <{e}> dct:title ?t }} BIND(CONCAT(?t, "（修订）") AS ?n) }}"""
        many = GC + """DELETE {{ GRAPH ?e {{ ?e dct:title ?t }} }} INSERT {{ GRAPH ?e {{ ?e dct:title ?n }} }}
            WHERE {{ GRAPH ?e {{ ?e dct:title ?t }} VALUES ?e {{ {values} }} BIND(CONCAT(?t, "（批量）") AS ?n) }}"""
        timings: dict[str, list[float]] = {"one entry": [], "100 entries": [], "refused (422)": []}

        def send(text: str, expected: int) -> float:
            started = time.perf_counter()
            response = client.post(url, content=text.encode("utf-8"), headers={"Content-Type": "application/sparql-update"})
            elapsed = time.perf_counter() - started
            if response.status_code != expected:
                raise SystemExit(f"update: {response.status_code} {response.text[:300]}")
            return elapsed

        send(one.format(e=entries[0]), 200)          # each worker imports rdflib once
        send(one.format(e=entries[1]), 200)
        for i in range(args.updates):
            timings["one entry"].append(send(one.format(e=entries[2 + i % (len(entries) - 2)]), 200))
        for i in range(max(1, args.updates // 5)):
            chunk = entries[(i * 100) % len(entries):][:100]
            timings["100 entries"].append(send(many.format(values=" ".join(f"<{e}>" for e in chunk)), 200))
            bad = GC + f"INSERT DATA {{ GRAPH <{chunk[0]}> {{ <{chunk[0]}> dct:title \"第二个标题\" }} }}"
            timings["refused (422)"].append(send(bad, 422))
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:
            server.kill()
        shutil.rmtree(scratch, ignore_errors=True)
    print("\n| SPARQL Update (end to end, admin) | runs | median (ms) | p95 (ms) |\n|---|---:|---:|---:|")
    for name, values in timings.items():
        figures = summary(values)
        print(f"| {name} | {len(values)} | {figures['median_ms']:.0f} | {figures['p95_ms']:.0f} |")
    return {name: summary(values) | {"runs": len(values)} for name, values in timings.items()}


if __name__ == "__main__":
    main()
