"""Chinese full-text search over HTTP (a real `govcat serve`) with 4 concurrent clients, side by side with the
baseline: a SPARQL CONTAINS scan at /sparql for the same words.

    python bench/search_bench.py --entries 100000          # full size (the issue's target: p95 ≤ 20 ms)
    python bench/search_bench.py --entries 5000            # a quick run

Steps: `govcat.generate.generate_catalogue` (seed 5) → `govcat load --publish` → `govcat reindex` (timed) →
`govcat serve`. Both sides are asked with a viewer's token, so that every entry is searched (the public
sees fewer). Each search is `GET /api/search?q=WORD` with its facets (every answer carries the counts of
all nine facets) and its first page of 20 with highlights. The baseline counts the entries whose title,
abstract or a data-item name CONTAINS the word (the scan a total and facets need; it returns no page),
one query per word; the word enters the query text as an escaped SPARQL literal (`nt_literal`), since
/sparql takes no bound parameters. Printed beside them: the same searches called in-process one at a time
(what the index costs, without HTTP), and the HTTP floor — `GET /docs` (a static page) under the same 4
clients — which is what any request costs this server on this machine. The store and the index are kept in
`--out` (`search-N/`) and reused.
"""
from __future__ import annotations

import argparse
import json
import random
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))
sys.path.insert(0, str(HERE))
from common import add_province_option, cached, generate, percentile, write_results  # noqa: E402

WORDS = ["户籍", "参保", "社会保险", "不动产登记", "养老保险", "学籍", "企业", "机动车", "医疗保险 参保",
         '"婚姻登记"', "公积金", "排污许可", "登记", "统计"]
CONTAINS = """PREFIX gc: <https://w3id.org/govcat/def#>
PREFIX dct: <http://purl.org/dc/terms/>
SELECT (COUNT(?entry) AS ?n) WHERE {
  VALUES ?word { WORD }
  GRAPH ?entry { ?entry a gc:InformationResource ; dct:title ?title . OPTIONAL { ?entry dct:description ?abstract } }
  FILTER(CONTAINS(?title, ?word) || CONTAINS(COALESCE(?abstract, ""), ?word)
         || EXISTS { GRAPH ?entry { ?item gc:itemName ?name FILTER(CONTAINS(?name, ?word)) } })
}"""
CLIENTS = 4


def govcat(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "govcat", *args], check=True, capture_output=True, text=True)


def prepare(entries: int, out: Path, province: bool = False) -> tuple[Path, dict]:
    folder = cached(out, "search", entries, province)
    store, ready = folder / "store", folder / "ready.json"
    if ready.exists():
        return store, json.loads(ready.read_text())
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    generate(folder / "catalogue", entries, seed=5, province=province)
    began = time.perf_counter()
    govcat("load", str(folder / "catalogue"), "--store", str(store), "--publish", "--as", "bench")
    loaded = time.perf_counter() - began
    began = time.perf_counter()
    govcat("reindex", "--store", str(store))
    reindexed = time.perf_counter() - began
    token = govcat("user", "add", "bench-viewer", "--role", "viewer", "--store", str(store)).stdout
    facts = {"load_s": round(loaded, 1), "reindex_s": round(reindexed, 1),
             "token": next(w for w in token.split() if len(w) > 30)}
    ready.write_text(json.dumps(facts))
    return store, facts


def start(store: Path, port: int) -> subprocess.Popen:
    import httpx
    log = open(store.parent / "server.log", "wb")
    process = subprocess.Popen([sys.executable, "-m", "govcat", "serve", "--store", str(store), "--port", str(port),
                                "--query-timeout", "600"],      # the CONTAINS scans run long at full size
                               stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 1800
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"govcat serve exited: see {store.parent / 'server.log'}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/sparql", timeout=5).status_code == 200:
                return process
        except httpx.TransportError:
            pass
        time.sleep(0.5)
    process.kill()
    raise SystemExit("govcat serve did not answer")


def run_clients(url: str, token: str, jobs: list[tuple[str, dict]], method: str) -> dict[str, list[float]]:
    """`jobs` (label, request) shared by CLIENTS threads; the latency of each, in ms, by label."""
    import httpx
    times: dict[str, list[float]] = {}
    errors: list[str] = []
    lock = threading.Lock()
    queue = list(jobs)

    def client() -> None:
        with httpx.Client(base_url=url, timeout=120, headers={"Authorization": f"Bearer {token}"}) as http:
            while True:
                with lock:
                    if not queue:
                        return
                    label, request = queue.pop()
                began = time.perf_counter()
                response = http.request(method, **request)
                elapsed = (time.perf_counter() - began) * 1000
                with lock:
                    if response.status_code != 200:
                        errors.append(f"{label}: {response.status_code} {response.text[:200]}")
                    times.setdefault(label, []).append(elapsed)
    threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        print(f"{len(errors)} failed requests, e.g. {errors[0]}")
    return times


def in_process(store: Path, rounds: int) -> dict[str, list[float]]:
    """The same searches called in this process, one at a time (the server has let go of the store)."""
    from govcat.catalogue import Catalogue
    from govcat.search import SearchIndex, SearchRequest, search
    index = SearchIndex.open(Catalogue.open(store))
    times: dict[str, list[float]] = {}
    for w in WORDS:
        search(index, SearchRequest(q=w, internal=True))
        for _ in range(rounds):
            began = time.perf_counter()
            search(index, SearchRequest(q=w, internal=True))
            times.setdefault(w, []).append((time.perf_counter() - began) * 1000)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--entries", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=20, help="searches of each word")
    parser.add_argument("--baseline-rounds", type=int, default=3, help="CONTAINS scans of each word")
    parser.add_argument("--port", type=int, default=0, help="default: a free port")
    parser.add_argument("--out", type=Path, default=HERE / "out")
    add_province_option(parser)
    args = parser.parse_args()
    from govcat.terms import nt_literal

    store, facts = prepare(args.entries, args.out, args.province)
    if not args.port:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            args.port = probe.getsockname()[1]
    began = time.perf_counter()
    server = start(store, args.port)
    started = time.perf_counter() - began
    url = f"http://127.0.0.1:{args.port}"
    try:
        import httpx
        head = {"Authorization": f"Bearer {facts['token']}"}
        totals = {w: httpx.get(f"{url}/api/search", params={"q": w}, headers=head, timeout=60).json()["total"]
                  for w in WORDS}                                                       # also warms up
        rng = random.Random(1)
        search_jobs = [(w, {"url": f"{url}/api/search", "params": {"q": w}}) for w in WORDS for _ in range(args.rounds)]
        rng.shuffle(search_jobs)
        searched = run_clients(url, facts["token"], search_jobs, "GET")
        scan_jobs = [(w, {"url": f"{url}/sparql", "content": CONTAINS.replace("WORD", nt_literal(w.strip('"'))),
                          "headers": {"Content-Type": "application/sparql-query",
                                      "Accept": "application/sparql-results+json"}})
                     for w in WORDS for _ in range(args.baseline_rounds)]
        rng.shuffle(scan_jobs)
        scanned = run_clients(url, facts["token"], scan_jobs, "POST")
        floor_jobs = [("floor", {"url": f"{url}/docs"})] * (len(WORDS) * args.rounds)
        floor = run_clients(url, facts["token"], floor_jobs, "GET")
    finally:
        server.terminate()
        server.wait(60)
    inside = in_process(store, args.rounds)

    print(f"search bench: {args.entries} entries, {CLIENTS} concurrent clients; load {facts['load_s']} s, "
          f"govcat reindex {facts['reindex_s']} s, server start {started:.1f} s")
    print(f"{'query':<16}{'hits':>7}   {'/api/search p50':>15} {'p95':>8}   {'CONTAINS p50':>12} {'p95':>9}"
          f"   {'in-process p50':>14} {'p95':>7}")

    def row(label: str, hits: str, s: list[float], b: list[float], i: list[float]) -> str:
        return (f"{label:<16}{hits:>7}   {statistics.median(s):>12.1f} ms {percentile(s, .95):>5.1f} ms"
                f"   {statistics.median(b):>9.1f} ms {percentile(b, .95):>6.1f} ms"
                f"   {statistics.median(i):>11.2f} ms {percentile(i, .95):>4.2f} ms")
    for w in WORDS:
        print(row(w, str(totals[w]), searched.get(w, [0.0]), scanned.get(w, [0.0]), inside[w]))
    every_s = [t for ts in searched.values() for t in ts]
    every_b = [t for ts in scanned.values() for t in ts]
    print(row("all", "", every_s, every_b, [t for ts in inside.values() for t in ts]))
    print(f"HTTP floor, GET /docs under the same {CLIENTS} clients: p50 {statistics.median(floor['floor']):.1f} ms, "
          f"p95 {percentile(floor['floor'], .95):.1f} ms")
    verdict = "met" if percentile(every_s, .95) <= 20 else "NOT met"
    print(f"target p95 ≤ 20 ms with facets: {verdict} ({len(every_s)} searches, {len(every_b)} scans)")

    def figures(times: list[float]) -> dict:
        return {"p50_ms": statistics.median(times), "p95_ms": percentile(times, .95), "n": len(times)}
    write_results(store.parent / "results.json", {
        "entries": args.entries, "clients": CLIENTS, "load_s": facts["load_s"], "reindex_s": facts["reindex_s"],
        "server_start_s": started,
        "search": figures(every_s), "contains_scan": figures(every_b),
        "in_process": figures([t for ts in inside.values() for t in ts]), "http_floor": figures(floor["floor"])})


if __name__ == "__main__":
    main()
