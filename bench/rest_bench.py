"""The REST API over HTTP (a real `govcat serve`) on a generated, published catalogue, side by side with the
same operations called in-process (govcat.catalogue.records / record_writes), which shows what HTTP adds.

    python bench/rest_bench.py --entries 100000

Operations: the first page (20) of all entries, internal and anonymous; a filtered page (department +
sharing type); GET of one entry; PUT of one entry with If-Match (validated in the context of the store,
written with its history). The first request of each list builds the in-memory list index; it is timed
apart ("first list")."""
from __future__ import annotations

import argparse
import json
import random
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))
sys.path.insert(0, str(HERE))
from common import add_province_option, cached, generate, write_results  # noqa: E402


def stats(times: list[float]) -> str:
    times = sorted(times)
    return f"p50 {statistics.median(times):7.1f} ms  p95 {times[max(0, int(len(times) * 0.95) - 1)]:7.1f} ms"


def prepare(entries: int, out: Path, province: bool = False) -> Path:
    folder = cached(out, "rest", entries, province)
    store = folder / "store"
    if not (folder / "ready").exists():
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        generate(folder / "catalogue", entries, seed=5, province=province)
        subprocess.run([sys.executable, "-m", "govcat", "load", str(folder / "catalogue"), "--store", str(store),
                        "--publish", "--as", "bench"], check=True, capture_output=True)
        (folder / "ready").write_text("")
    return store


CORE = """
import json, random, sys, time
from pathlib import Path
from govcat.access import ANONYMOUS, Access
from govcat.catalogue import Catalogue
from govcat.catalogue.record_writes import etag, update
from govcat.catalogue.records import KINDS, list_records, record_json
from govcat.catalogue.users import User
from govcat.loaders import base_iri
cat = Catalogue.open(Path(sys.argv[1]))
admin = Access(User(base_iri() + "user/bench", "bench", "admin", None))
kind = KINDS["entries"]
def page(access, filters):
    return [record_json(cat, r) for r in list_records(cat, kind, filters, 1, 20, access).records]
def timed(f, n):
    out = []
    for _ in range(n):
        s = time.perf_counter(); f(); out.append((time.perf_counter() - s) * 1000)
    return out
result = {"first list": timed(lambda: page(admin, {}), 1)}
codes = list_records(cat, kind, {}, 1, 10**9, admin).records
first = record_json(cat, codes[0])
filters = {"department": first["信息资源提供方代码"], "sharing_type": first["共享类型"]}
result["page (internal)"] = timed(lambda: page(admin, {}), 30)
result["page (anonymous)"] = timed(lambda: page(ANONYMOUS, {}), 30)
result["filtered page"] = timed(lambda: page(admin, filters), 30)
random.seed(1)
sample = random.sample(codes, 60)
result["GET one entry"] = timed(lambda: record_json(cat, random.choice(sample)), 60)
def put():
    body = record_json(cat, sample.pop())
    body["信息资源摘要"] += "（基准）"
    update(cat, kind, body["信息资源代码"], body, admin, etag(body["_meta"]["version"]), base_iri())
put()     # compiles the shapes once
result["PUT one entry"] = timed(put, 50)
print(json.dumps(result))
"""


def over_http(store: Path) -> dict[str, list[float]]:
    import httpx
    from sparqlserver import add_user, start_server, stop_server
    token = add_user(store, f"bench-{int(time.time())}", "admin")
    server = start_server(store, start_timeout=3600)
    try:
        auth = {"Authorization": f"Bearer {token}"}
        c = server.client

        def timed(f, n):
            out = []
            for _ in range(n):
                s = time.perf_counter()
                response = f()
                out.append((time.perf_counter() - s) * 1000)
                assert response.status_code in (200, 204), response.text
            return out
        result = {"first list": timed(lambda: c.get("/api/entries", headers=auth), 1)}
        first = c.get("/api/entries", params={"per_page": 1}, headers=auth).json()["items"][0]
        filters = {"department": first["信息资源提供方代码"], "sharing_type": first["共享类型"]}
        result["page (internal)"] = timed(lambda: c.get("/api/entries", headers=auth), 30)
        result["page (anonymous)"] = timed(lambda: httpx.get(server.url + "/api/entries"), 30)
        result["filtered page"] = timed(lambda: c.get("/api/entries", params=filters, headers=auth), 30)
        codes = []
        for page in range(1, 4):
            codes += [e["信息资源代码"] for e in c.get("/api/entries", params={"page": page * 7, "per_page": 100},
                                                       headers=auth).json()["items"]]
        random.seed(2)
        sample = random.sample(codes, 60)
        result["GET one entry"] = timed(lambda: c.get("/api/entries/" + random.choice(sample), headers=auth), 60)

        def put():
            code = sample.pop()
            got = c.get("/api/entries/" + code, headers=auth)
            body = got.json()
            body["信息资源摘要"] += "（基准HTTP）"
            started = time.perf_counter()
            response = c.put("/api/entries/" + code, json=body, headers=auth | {"If-Match": got.headers["etag"]})
            put.elapsed = (time.perf_counter() - started) * 1000
            return response
        put()
        times = []
        for _ in range(50):
            assert put().status_code == 200
            times.append(put.elapsed)
        result["PUT one entry"] = times
        return result
    finally:
        stop_server(server, store)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--entries", type=int, default=10000)
    parser.add_argument("--out", type=Path, default=HERE / "out")
    add_province_option(parser)
    args = parser.parse_args()
    store = prepare(args.entries, args.out, args.province)
    proc = subprocess.run([sys.executable, "-c", CORE, str(store)], capture_output=True, text=True)
    if proc.returncode:
        raise SystemExit(proc.stderr)
    core = json.loads(proc.stdout.strip().splitlines()[-1])
    http = over_http(store)
    print(f"REST API, {args.entries} entries (PUT: validation in the context of the store + journalled commit)")
    print(f"{'operation':18}  {'in-process':32}  {'HTTP (govcat serve)':32}")
    for name in core:
        print(f"{name:18}  {stats(core[name]):32}  {stats(http[name]):32}")
    write_results(store.parent / "results.json", {"entries": args.entries, "in_process": core, "http": http})


if __name__ == "__main__":
    main()
