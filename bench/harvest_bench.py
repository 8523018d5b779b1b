"""Harvest between two local govcat nodes, and the full feed export (issue 6).

    python bench/harvest_bench.py --sizes 10000,100000

Per size: a generated catalogue (seed 5) is loaded and published into node A (GOVCAT_BASE = A's own URL,
so dataset URIs dereference); A is served by a real `govcat serve`; `govcat harvest A/catalog` fills an
empty store B over HTTP (every Hydra page) — datasets per second, beside CKAN's DCAT harvester at about
1 dataset/s (target ≥ 500/s); a second harvest of the unchanged feed (incremental: nothing rewritten). Then
the full export: every page of /catalog.nt read over HTTP, and in a fresh process every page built
in-process (govcat.dcat.feed as in the server: from the index kept beside the public view,
govcat.public_listing) with that process's peak RSS, split into anonymous memory (the heap: Python objects,
SQLite's page cache) and file-backed pages (files mapped in, which the kernel may drop), beside the baselines of pyoxigraph alone reading the
same records in another fresh process (the list of public entries, then each entry's graph, 100 at a time) from
the public view and from the whole catalogue's store, and the ceiling: pyoxigraph reading every quad of the
whole store once (RocksDB's caches full). A page reads only its own rows of the index and the feed never opens
the store, so its memory should stay flat as the catalogue grows; the store's caches grow until they are full. Only entries published and open to
the public are in the feed (about one in six of the generated ones). Results: bench/out/harvest_results.json."""
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
sys.path.insert(0, str(HERE.parent / "tests"))
sys.path.insert(0, str(HERE))
from common import add_province_option, cached, generate, write_results  # noqa: E402
CKAN_PER_SECOND = 1.0
TARGET_PER_SECOND = 500.0

MEMORY = r"""
import threading, time
_peaks = {"RssAnon": 0, "RssFile": 0}
def _sample():
    while True:
        with open("/proc/self/status") as status:
            for line in status:
                key = line.split(":", 1)[0]
                if key in _peaks:
                    _peaks[key] = max(_peaks[key], int(line.split()[1]))
        time.sleep(0.02)
threading.Thread(target=_sample, daemon=True).start()
def memory():
    # VmHWM, not getrusage's ru_maxrss: Linux carries the parent's resident size at the fork into a child's
    # ru_maxrss across exec, so a fresh process started by a large one reported the parent's peak
    time.sleep(0.05)
    with open("/proc/self/status") as status:
        hwm = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
    return {"peak_mib": hwm / 1024, "anon_mib": _peaks["RssAnon"] / 1024, "file_mib": _peaks["RssFile"] / 1024}
"""

EXPORT = MEMORY + r"""
import json, sys
from pathlib import Path
from govcat.dcat.feed import Feed, page_triples
from govcat.public_listing import FILE, PublicListing
# as the server does: from the index kept beside the public view (in step: the server has just stopped)
feed = Feed(PublicListing(Path(sys.argv[1]) / FILE, read_only=True))
started = time.perf_counter()
home = "http://127.0.0.1/"
first = feed.page(1)
size = 0
for n in range(1, first.pages + 1):
    page = first if n == 1 else feed.page(n)
    size += len(page_triples(feed, page, home + "catalog", home, f"{home}catalog?page={n}",
                             lambda k: f"{home}catalog?page={k}").serialize("nt"))
print(json.dumps({"pages": first.pages, "datasets": first.total, "bytes": size,
                  "seconds": time.perf_counter() - started} | memory()))
"""

# What keeping that index costs: rebuilt from the public view (with the view, or when one change touches more than a
# third of it), and the rows of single records updated (every write that touches a public record).
LISTING = MEMORY + r"""
import json, sys, tempfile
from pathlib import Path
from govcat.public_listing import PublicListing
from govcat.public_view import FOLDER
from govcat.store import Graph
view = Graph.read_only(Path(sys.argv[1]) / FOLDER)
with tempfile.TemporaryDirectory() as scratch:
    listing = PublicListing(Path(scratch) / "listing.sqlite")
    started = time.perf_counter()
    listing.rebuild(view)
    rebuilt = time.perf_counter() - started
    entries = [x.iri for x in listing.rows(0, 200)]
    started = time.perf_counter()
    for entry in entries:
        listing.update(view, [entry])
    updated = (time.perf_counter() - started) / len(entries)
    listing.close()
print(json.dumps({"rebuild_s": rebuilt, "update_ms": updated * 1000} | memory()))
"""

# The baselines: pyoxigraph alone reading the same records, a page of 100 at a time, after the same list, from a
# store given by its folder: the public view (what the feed reads) and the whole catalogue (what it read before).
RAW_EXPORT = MEMORY + r"""
import json, sys
from pathlib import Path
import pyoxigraph as ox
store = ox.Store.read_only(sys.argv[1])
started = time.perf_counter()
listed = sorted({(row["code"].value, row["entry"].value) for row in store.query(Path(sys.argv[2]).read_text())})
size = 0
for at in range(0, len(listed), 100):
    for _code, entry in listed[at:at + 100]:
        size += sum(len(str(q)) for q in store.quads_for_pattern(None, None, None, ox.NamedNode(entry)))
print(json.dumps({"datasets": len(listed), "bytes": size, "seconds": time.perf_counter() - started} | memory()))
"""

# The ceiling: pyoxigraph reading every quad of the whole catalogue's store once. RocksDB's block caches (not
# configurable through pyoxigraph) fill up to their fixed size, then memory stays where it is however much more
# is read: what any reader of the store, the feed included, tends to.
SCAN = MEMORY + r"""
import json, sys
import pyoxigraph as ox
store = ox.Store.read_only(sys.argv[1])
started = time.perf_counter()
quads = sum(1 for _ in store)
print(json.dumps({"quads": quads, "seconds": time.perf_counter() - started} | memory()))
"""


def status_mib(pid: int, key: str) -> float:
    """A process's VmRSS or VmHWM (/proc/PID/status), MiB."""
    with open(f"/proc/{pid}/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith(key + ":")) / 1024


def env_for(port: int) -> dict:
    from sparqlserver import clean_env
    return clean_env() | {"GOVCAT_BASE": f"http://127.0.0.1:{port}/id/"}


def prepare(entries: int, out: Path, port: int, province: bool = False) -> Path:
    folder = cached(out, "harvest", entries, province)
    store = folder / "store"
    stamp = folder / "ready"
    if not stamp.exists() or stamp.read_text() != str(port):
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        generate(folder / "catalogue", entries, seed=5, province=province)
        subprocess.run([sys.executable, "-m", "govcat", "load", str(folder / "catalogue"), "--store", str(store),
                        "--publish", "--as", "bench"], check=True, capture_output=True, env=env_for(port))
        stamp.write_text(str(port))
    return store


def run_size(entries: int, out: Path, port: int, province: bool = False) -> dict:
    import httpx
    import sparqlserver
    store = prepare(entries, out, port, province)
    chosen = sparqlserver.free_port
    sparqlserver.free_port = lambda: port
    try:
        server = sparqlserver.start_server(store, env_for(port), start_timeout=3600)
    finally:
        sparqlserver.free_port = chosen
    try:
        served = {"started": status_mib(server.process.pid, "VmRSS")}    # the serving node's resident memory
        target = store.parent / "harvested"
        shutil.rmtree(target, ignore_errors=True)
        timings = []
        for _ in range(2):     # a first harvest, then the same feed again (nothing changed)
            started = time.perf_counter()
            done = subprocess.run([sys.executable, "-m", "govcat", "harvest", server.url + "/catalog", "--source", "a",
                                   "--store", str(target), "--format", "json"], capture_output=True, text=True,
                                  env=sparqlserver.clean_env())
            seconds = time.perf_counter() - started
            assert done.returncode == 0, done.stderr
            report = json.loads(done.stdout)
            timings.append((seconds, report))
        (first, r1), (second, r2) = timings
        served["harvested"] = status_mib(server.process.pid, "VmRSS")
        started = time.perf_counter()
        url, pages, size = server.url + "/catalog.nt?page=1", 0, 0
        with httpx.Client(timeout=600) as client:
            while url:
                body = client.get(url).content
                pages += 1
                size += len(body)
                marker = f"<{url}> <http://www.w3.org/ns/hydra/core#next> <".encode()
                at = body.find(marker)
                url = body[at + len(marker):body.index(b">", at + len(marker))].decode() if at >= 0 else None
        http_export = time.perf_counter() - started
        served |= {"exported": status_mib(server.process.pid, "VmRSS"), "peak": status_mib(server.process.pid, "VmHWM")}
    finally:
        sparqlserver.stop_server(server, store)
    exported = json.loads(subprocess.run([sys.executable, "-c", EXPORT, str(store)], capture_output=True, text=True,
                                         check=True, env=env_for(port)).stdout)
    listing = json.loads(subprocess.run([sys.executable, "-c", LISTING, str(store)], capture_output=True, text=True,
                                        check=True, env=env_for(port)).stdout)
    from govcat.public_view import FOLDER
    raw, raw_all = (json.loads(subprocess.run([sys.executable, "-c", RAW_EXPORT, str(folder),
                                               str(HERE.parent / "queries" / "dcat_public_entries.rq")],
                                              capture_output=True, text=True, check=True).stdout)
                    for folder in (store / FOLDER, store / "oxigraph"))
    scan = json.loads(subprocess.run([sys.executable, "-c", SCAN, str(store / "oxigraph")], capture_output=True,
                                     text=True, check=True).stdout)
    datasets = r1["new"]
    return {"entries": entries, "datasets": datasets, "pages": len(r1["pages"]),
            "harvest_s": first, "harvest_per_s": datasets / first, "reharvest_s": second,
            "reharvest_unchanged": r2["unchanged"], "reharvest_written": r2["new"] + r2["changed"],
            "http_export_s": http_export, "http_export_pages": pages, "http_export_mib": size / 2**20,
            "export_s": exported["seconds"], "export_peak_mib": exported["peak_mib"],
            "export_anon_mib": exported["anon_mib"], "export_file_mib": exported["file_mib"],
            "listing_mib": (store / "public-listing.sqlite").stat().st_size / 2**20,
            "server_rss_started_mib": served["started"], "server_rss_harvested_mib": served["harvested"],
            "server_rss_exported_mib": served["exported"], "server_peak_mib": served["peak"],
            "listing_rebuild_s": listing["rebuild_s"], "listing_rebuild_peak_mib": listing["peak_mib"],
            "listing_update_ms": listing["update_ms"],
            "raw_export_s": raw["seconds"], "raw_export_peak_mib": raw["peak_mib"],
            "raw_export_anon_mib": raw["anon_mib"], "raw_export_file_mib": raw["file_mib"],
            "raw_all_export_s": raw_all["seconds"], "raw_all_export_peak_mib": raw_all["peak_mib"],
            "scan_quads": scan["quads"], "scan_s": scan["seconds"], "scan_peak_mib": scan["peak_mib"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--out", type=Path, default=HERE / "out")
    parser.add_argument("--port", type=int, default=18931)
    add_province_option(parser)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    results = [run_size(int(n), args.out, args.port, args.province) for n in args.sizes.split(",")]
    write_results(args.out / "harvest_results.json", results)
    print(f"{'entries':>8} {'datasets':>8} {'pages':>5} {'harvest s':>9} {'ds/s':>7} {'CKAN ds/s':>9} {'target':>6} "
          f"{'again s':>7} {'rewritten':>9} {'export s':>8} {'over HTTP s':>11} {'export peak MiB':>15}")
    print("export peak memory, MiB: govcat (anonymous + file-backed), from the public view, beside pyoxigraph alone "
          "reading the same records from the public view and from the whole catalogue's store")
    for r in results:
        print(f"{r['entries']:>8} {r['datasets']:>8} {r['pages']:>5} {r['harvest_s']:>9.1f} {r['harvest_per_s']:>7.0f} "
              f"{CKAN_PER_SECOND:>9.0f} {TARGET_PER_SECOND:>6.0f} {r['reharvest_s']:>7.1f} {r['reharvest_written']:>9} "
              f"{r['export_s']:>8.1f} {r['http_export_s']:>11.1f} {r['export_peak_mib']:>15.0f}")
    for r in results:
        print(f"{r['entries']:>8}: govcat {r['export_peak_mib']:.0f} ({r['export_anon_mib']:.0f} + {r['export_file_mib']:.0f}) "
              f"in {r['export_s']:.1f} s (its index {r['listing_mib']:.0f} MiB on disk, rebuilt in "
              f"{r['listing_rebuild_s']:.1f} s, peak {r['listing_rebuild_peak_mib']:.0f} MiB; a record's rows updated in "
              f"{r['listing_update_ms']:.2f} ms); the serving node {r['server_rss_started_mib']:.0f} MiB resident when "
              f"started, {r['server_rss_harvested_mib']:.0f} after serving two harvests, {r['server_rss_exported_mib']:.0f} "
              f"after the export over HTTP (peak {r['server_peak_mib']:.0f}); pyoxigraph alone {r['raw_export_peak_mib']:.0f} ({r['raw_export_anon_mib']:.0f} + "
              f"{r['raw_export_file_mib']:.0f}) in {r['raw_export_s']:.1f} s; from the whole store "
              f"{r['raw_all_export_peak_mib']:.0f} in {r['raw_all_export_s']:.1f} s; every quad of the whole store "
              f"({r['scan_quads']:,}) {r['scan_peak_mib']:.0f} in {r['scan_s']:.1f} s")


if __name__ == "__main__":
    os.environ.pop("GOVCAT_STORE", None)
    main()
