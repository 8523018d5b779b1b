"""Where a point lookup's time goes on /sparql, beside `oxigraph serve` (issue 4: ≤ 1.2× its latency).

    python bench/sparql_overhead.py [--entries 1000] [--runs 2000]

On a generated catalogue (seed 1, `govcat load --publish`, cached in bench/out/overhead-<entries>/), the median
latency of `ASK {}` — a query that costs its engine next to nothing, so what is measured is each layer's fixed
cost — measured, alternating, through:
- `oxigraph serve-read-only` on a copy of the store (the baseline, over HTTP);
- a bare ASGI app under uvicorn (uvloop, httptools, no access log) that answers without doing anything: the floor
  of Python's HTTP serving, whatever the app;
- the same bare app handing each request to a worker process over a pipe and answering with what comes back (the
  worker answers at once): the floor of any design that runs queries in a separate, killable process, as the
  timeout guard needs (pyoxigraph cannot cancel a query);
- `govcat serve` (`/sparql`), over HTTP: anonymous (the public view) and with an admin's token (the whole store);
- with `--before DIR`, the same from another version of govcat (`DIR/govcat`), on a copy of the store;
and in process, without HTTP: govcat's whole ASGI app for one /sparql request, the query service alone
(`run_async`: the hop to the worker process, the query there, its serialized answer back), and the query alone
(pyoxigraph, as the server runs a proven request) back to back and after the process idled 1 ms. The last line
says how much room 1.2× `oxigraph serve` leaves over the bare app, against what the query alone takes. The same httpx client
(keep-alive) asks every server, so its own cost is in every figure alike.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))
sys.path.insert(0, str(HERE))
from common import cached, generate, write_results  # noqa: E402
import sparqlserver  # noqa: E402

ASK = {"query": "ASK {}"}
BARE = r"""
import sys, uvicorn
async def app(scope, receive, send):
    if scope["type"] != "http":
        return
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", b"application/sparql-results+json")]})
    await send({"type": "http.response.body", "body": b'{"head":{},"boolean":true}'})
uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning", access_log=False)
"""
BARE_HOP = r"""
import asyncio, os, subprocess, sys
from multiprocessing.connection import Connection, Pipe
if sys.argv[1] == "worker":
    conn = Connection(int(sys.argv[2]))
    try:
        while True:
            conn.recv_bytes()
            conn.send_bytes(b'{"head":{},"boolean":true}')
    except EOFError:           # the server stopped
        sys.exit(0)
import uvicorn
ours, theirs = Pipe()
worker = subprocess.Popen([sys.executable, "-c", sys.argv[2], "worker", str(theirs.fileno())],
                          pass_fds=[theirs.fileno()])
async def app(scope, receive, send):
    if scope["type"] != "http":
        return
    loop = asyncio.get_running_loop()
    readable = loop.create_future()
    ours.send_bytes(scope["query_string"])
    loop.add_reader(ours.fileno(), lambda: readable.done() or readable.set_result(None))
    await readable
    loop.remove_reader(ours.fileno())
    os.set_blocking(ours.fileno(), True)
    body = ours.recv_bytes()
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", b"application/sparql-results+json")]})
    await send({"type": "http.response.body", "body": body})
try:
    uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning", access_log=False)
finally:
    worker.kill()
"""


def prepare(entries: int, out: Path) -> Path:
    folder = cached(out, "overhead", entries)
    store = folder / "store"
    if not (folder / "ready").exists():
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        generate(folder / "catalogue", entries, seed=1)
        subprocess.run([sys.executable, "-m", "govcat", "load", str(folder / "catalogue"), "--store", str(store),
                        "--publish", "--as", "bench"], check=True, capture_output=True, env=sparqlserver.clean_env())
        (folder / "token").write_text(sparqlserver.add_user(store, "bench-admin", "admin"))
        (folder / "ready").write_text("1")
    return store


def wait_up(client: httpx.Client, url: str) -> None:
    for _ in range(600):
        try:
            if client.get(url, params=ASK).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer")


def median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def over_http(urls: dict[str, tuple[str, dict]], runs: int) -> dict[str, float]:
    """Median latency per server (URL, headers), the servers taking turns request by request."""
    samples: dict[str, list[float]] = {name: [] for name in urls}
    with httpx.Client(timeout=30) as client:
        for url, headers in urls.values():
            wait_up(client, url)
            for _ in range(300):
                client.get(url, params=ASK, headers=headers)
        for _ in range(runs):
            for name, (url, headers) in urls.items():
                started = time.perf_counter()
                client.get(url, params=ASK, headers=headers).raise_for_status()
                samples[name].append(time.perf_counter() - started)
    return {name: median_ms(found) for name, found in samples.items()}


def in_process(store: Path, runs: int) -> dict[str, float]:
    """govcat's ASGI app for one /sparql request and its query service alone, in this process (uvloop)."""
    import uvloop

    from govcat.query_types import PUBLIC, QueryRequest
    from govcat.web.app import create_app
    from govcat.web.settings import Settings

    app = create_app(Settings.from_env(store=store, host="127.0.0.1", port=1, query_timeout=None, row_cap=None))
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET", "scheme": "http",
             "path": "/sparql", "raw_path": b"/sparql", "query_string": b"query=ASK%20%7B%7D", "root_path": "",
             "headers": [(b"host", b"127.0.0.1"), (b"accept", b"application/sparql-results+json")],
             "client": ("127.0.0.1", 1), "server": ("127.0.0.1", 1), "state": {}}

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    async def measure() -> dict[str, float]:
        statuses = []

        async def send(message):
            if message["type"] == "http.response.start":
                statuses.append(message["status"])

        async with app.router.lifespan_context(app):
            queries = app.state.queries
            request = QueryRequest(query=ASK["query"], view=PUBLIC, accept="application/sparql-results+json")
            asgi, service = [], []
            for n in range(runs + 300):
                started = time.perf_counter()
                await app(dict(scope), receive, send)
                middle = time.perf_counter()
                outcome = await queries.run_async(request)
                ended = time.perf_counter()
                if n >= 300:
                    asgi.append(middle - started)
                    service.append(ended - middle)
            assert set(statuses) == {200} and outcome.error is None, (set(statuses), outcome.error)
        return {"govcat_asgi_in_process": median_ms(asgi), "query_service_run_async": median_ms(service)}

    return uvloop.run(measure())


def engine_alone(store: Path, runs: int) -> dict[str, float]:
    """The query itself, as the server runs it in its own process (`Graph.query_serialized` on a read-only store):
    back to back, and after the process idled 1 ms, as a server does between one client's requests (its CPU
    caches cool down: on this machine the same call then takes several times as long)."""
    from govcat.store import Graph

    graph = Graph.read_only(store / "oxigraph")
    hot, cold = [], []
    for n in range(runs + 300):
        time.sleep(0.001)
        started = time.perf_counter()
        graph.query_serialized(ASK["query"], "application/sparql-results+json")
        middle = time.perf_counter()
        graph.query_serialized(ASK["query"], "application/sparql-results+json")
        if n >= 300:
            cold.append(middle - started)
            hot.append(time.perf_counter() - middle)
    return {"query_alone_back_to_back": median_ms(hot), "query_alone_after_1ms_idle": median_ms(cold)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--entries", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=2000)
    parser.add_argument("--out", type=Path, default=HERE / "out")
    parser.add_argument("--before", type=Path, default=None,
                        help="a folder holding another `govcat` package (e.g. a symlink to app/ of a checkout of an "
                             "earlier commit): its `govcat serve` takes turns with the others, on a copy of the store "
                             "(the code before a change, measured in the same run)")
    args = parser.parse_args()
    store = prepare(args.entries, args.out)
    copy = store.parent / "oxigraph-copy"
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(store / "oxigraph", copy)
    ports = [sparqlserver.free_port() for _ in range(3)]
    procs = [subprocess.Popen(["oxigraph", "serve-read-only", "--location", str(copy), "--bind",
                               f"127.0.0.1:{ports[0]}"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL),
             subprocess.Popen([sys.executable, "-c", BARE, str(ports[1])]),
             subprocess.Popen([sys.executable, "-c", BARE_HOP, str(ports[2]), BARE_HOP])]
    before = None
    before_store = store.parent / "before" / "store" if args.before else None
    if before_store is not None:           # copied before any server opens the store
        shutil.rmtree(before_store.parent, ignore_errors=True)
        shutil.copytree(store, before_store)
    server = sparqlserver.start_server(store, sparqlserver.clean_env())
    try:
        admin = {"Authorization": "Bearer " + (store.parent / "token").read_text()}
        urls = {"oxigraph_serve": (f"http://127.0.0.1:{ports[0]}/query", {}),
                "bare_uvicorn_app": (f"http://127.0.0.1:{ports[1]}/sparql", {}),
                "bare_app_worker_hop": (f"http://127.0.0.1:{ports[2]}/sparql", {}),
                "govcat_sparql": (server.url + "/sparql", {}),
                "govcat_sparql_admin": (server.url + "/sparql", admin)}
        if before_store is not None:
            before = sparqlserver.start_server(before_store, sparqlserver.clean_env() |
                                               {"PYTHONPATH": str(args.before.resolve())})
            urls |= {"before_govcat_sparql": (before.url + "/sparql", {}),
                     "before_govcat_sparql_admin": (before.url + "/sparql", admin)}
        http = over_http(urls, args.runs)
    finally:
        sparqlserver.stop_server(server, store)
        if before is not None:
            sparqlserver.stop_server(before, before_store)
        if before_store is not None:
            shutil.rmtree(before_store.parent, ignore_errors=True)
        for proc in procs:
            proc.terminate()
            proc.wait()
        shutil.rmtree(copy, ignore_errors=True)
    local = in_process(store, args.runs) | engine_alone(store, args.runs)
    result = {"entries": args.entries, "runs": args.runs} | {k: round(v, 4) for k, v in (http | local).items()}
    write_results(args.out / "sparql_overhead.json", [result])
    base = http["oxigraph_serve"]
    print(f"ASK {{}}, median of {args.runs} requests, ms (× oxigraph serve):")
    for name, value in http.items():
        print(f"  {name:<28} {value:7.3f}  ({value / base:.2f}×)   over HTTP")
    for name, value in local.items():
        print(f"  {name:<28} {value:7.3f}            in process")
    room = 1.2 * base - http["bare_uvicorn_app"]
    print(f"1.2× oxigraph serve leaves {room:.3f} ms over the bare uvicorn app for everything govcat does, the query "
          f"included; the query alone after 1 ms idle takes {local['query_alone_after_1ms_idle']:.3f} ms")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
