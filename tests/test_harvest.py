"""`govcat harvest` with the real German portal feeds (../shared/external/dcat-ap-de-govdata) served on
loopback: Hydra pages in two formats, every record keeps its source, incremental re-harvest, withdrawal of
records that left, one record for a dataset reached twice, a broken page reported without damage, and
validation (H01 rejects, warnings kept in the source's report)."""
from __future__ import annotations

import functools
import http.server
import json
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from conftest import needs_shared
from govcat.catalogue import Catalogue
from govcat.dcat.harvest import harvest, source_iri

FEEDS = "external/dcat-ap-de-govdata/real-portal-feeds"
GC = "https://w3id.org/govcat/def#"
COUNT = f"PREFIX gc: <{GC}> SELECT (COUNT(DISTINCT ?r) AS ?n) WHERE {{ GRAPH ?r {{ ?r a gc:HarvestedDataset }} }}"
SOURCES = f"PREFIX gc: <{GC}> SELECT ?r ?s WHERE {{ GRAPH ?r {{ ?r gc:harvestedFrom ?s }} }}"
BRANDENBURG, BREMEN, DESTATIS = 112, 153, 135     # dcat:Dataset nodes in each feed
DATED = "https://backend.datenadler.de/kataloge/mik/dcat_catalog-1/kommunalverzeichnis"   # has dct:modified


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """A folder served over HTTP on loopback; returns (folder, base URL)."""
    folder = tmp_path_factory.mktemp("site")
    for path in needs_shared(FEEDS).iterdir():
        shutil.copy(path, folder / path.name)
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass
    handler = functools.partial(Quiet, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/"
    paged(folder, url)
    yield folder, url
    server.shutdown()


def paged(folder: Path, url: str, drop: str | None = None, title: tuple[str, str] | None = None,
          second: str = "bremen-catalog-original-input.rdf", name: str = "paged-1.ttl") -> str:
    """A two-page feed: Brandenburg (Turtle) with hydra:next to `second` (Bremen's RDF/XML)."""
    text = (folder / "brandenburg-catalog-original-input.ttl").read_text(encoding="utf-8")
    if drop:
        text = text.replace(f"<{drop}> a", f"<{drop}-gone> a <urn:x:NotADataset> ; a", 1)
    if title:                       # (subject, new title): the first title after the subject's own description
        at = text.index(f"<{title[0]}> a")
        start = text.index("dcterms:title", at)
        end = text.index("\n", start)
        text = text[:start] + f'dcterms:title "{title[1]}"@de ;' + text[end:]
    text += f"\n<{url}{name}> <http://www.w3.org/ns/hydra/core#next> <{url}{second}> .\n"
    (folder / name).write_text(text, encoding="utf-8")
    return url + name


def count(cat: Catalogue) -> int:
    return int(cat.graph.select(COUNT)[0]["n"].value)


def versions(cat: Catalogue) -> int:
    return int(cat.graph.select("SELECT (COUNT(*) AS ?n) WHERE { GRAPH <https://w3id.org/govcat/graph/history> "
                                "{ ?v a <https://w3id.org/govcat/def#Version> } }")[0]["n"].value)


def test_pages_incremental_withdrawal_and_sources(site, tmp_path):
    folder, url = site
    cat = Catalogue.open(tmp_path / "store")
    report = harvest(cat, url + "paged-1.ttl", "brandenburg-bremen")
    assert [p["datasets"] for p in report.pages] == [BRANDENBURG, BREMEN] and report.broken == []
    assert len(report.new) == BRANDENBURG + BREMEN == count(cat)
    source = source_iri("brandenburg-bremen")
    assert {r["s"].value for r in cat.graph.select(SOURCES)} == {source}
    one = report.new[0]
    history = cat.graph.select("PREFIX gc: <https://w3id.org/govcat/def#> SELECT ?r ?file WHERE { GRAPH ?h "
                               "{ ?v gc:versionOf ?r ; gc:sourceFile ?file } }", {"r": _iri(one)})
    assert history and history[0]["file"].value.startswith(url)
    kept = json.loads(cat.graph.select("PREFIX gc: <https://w3id.org/govcat/def#> SELECT ?r WHERE { GRAPH ?g "
                                       "{ ?s gc:harvestReport ?r } }")[0]["r"].value)
    assert kept["new"] == BRANDENBURG + BREMEN and kept["warnings"] == report.warnings
    assert all(w["rule"] in ("H02", "H03", "H04") for w in report.warnings)

    before = versions(cat)
    again = harvest(cat, url + "paged-1.ttl", "brandenburg-bremen")
    assert again.new == [] and again.changed == [] and again.unchanged == BRANDENBURG + BREMEN
    assert versions(cat) == before + 1                 # the source record's own report, nothing else

    text = (folder / "brandenburg-catalog-original-input.ttl").read_text(encoding="utf-8")
    some = sorted(r for r in report.new if r in text and r != DATED)
    gone, retitled = some[0], some[1]           # neither carries dct:modified: their content is compared
    paged(folder, url, drop=gone, title=(retitled, _title(cat, retitled) + " (geändert)"))
    third = harvest(cat, url + "paged-1.ttl", "brandenburg-bremen")
    assert third.withdrawn == [gone] and not cat.exists(gone)
    assert third.changed == [retitled]
    assert cat.version_number(gone) >= 2                # withdrawn, its history kept
    # a dataset with dct:modified is re-read only when that date moves (incremental by modified date)
    paged(folder, url, drop=gone, title=(DATED, "Kommunalverzeichnis (neu)"))
    assert harvest(cat, url + "paged-1.ttl", "brandenburg-bremen").changed == [retitled]   # its title back
    dated = (folder / "paged-1.ttl").read_text(encoding="utf-8")
    at = dated.index(f"<{DATED}> a")
    dated = dated[:at] + dated[at:].replace('dcterms:modified "2020-12-08"', 'dcterms:modified "2026-01-01"', 1)
    (folder / "paged-1.ttl").write_text(dated, encoding="utf-8")
    assert harvest(cat, url + "paged-1.ttl", "brandenburg-bremen").changed == [DATED]
    assert _title(cat, DATED) == "Kommunalverzeichnis (neu)"
    paged(folder, url)


def test_a_dataset_reached_twice_is_one_record(site, tmp_path):
    folder, url = site
    cat = Catalogue.open(tmp_path / "store")
    direct = harvest(cat, url + "destatis-catalog-original-input.rdf", "destatis")
    assert len(direct.new) == DESTATIS
    # an intermediate catalogue that republishes Destatis beside Bremen (one page each)
    via = paged(folder, url, second="destatis-catalog-original-input.rdf", name="intermediate.ttl")
    through = harvest(cat, via, "land")
    assert len(through.new) == BRANDENBURG and len(through.changed) == DESTATIS
    assert count(cat) == BRANDENBURG + DESTATIS
    sources: dict[str, set] = {}
    for r in cat.graph.select(SOURCES):
        sources.setdefault(r["r"].value, set()).add(r["s"].value)
    assert sum(1 for s in sources.values() if s == {source_iri("destatis"), source_iri("land")}) == DESTATIS
    # leaving one source keeps the record, now from the other only
    (folder / "empty.ttl").write_text("", encoding="utf-8")
    left = harvest(cat, url + "empty.ttl", "destatis")
    assert len(left.withdrawn) == DESTATIS and count(cat) == BRANDENBURG + DESTATIS
    assert all(s != source_iri("destatis") for r in cat.graph.select(SOURCES) for s in [r["s"].value])


def test_a_broken_page_is_reported_and_damages_nothing(site, tmp_path):
    folder, url = site
    cat = Catalogue.open(tmp_path / "store")
    harvest(cat, url + "paged-1.ttl", "bb")
    before = count(cat)
    broken = paged(folder, url, second="missing.rdf", name="broken-1.ttl")
    report = harvest(cat, broken, "bb")
    assert report.broken and report.broken[0]["url"].endswith("missing.rdf") and not report.ok
    assert report.withdrawn == [] and count(cat) == before          # Bremen's records are not withdrawn
    (folder / "garbage.ttl").write_text("<not turtle", encoding="utf-8")
    bad = harvest(cat, url + "garbage.ttl", "bb")
    assert bad.broken and bad.withdrawn == [] and count(cat) == before


def test_a_dataset_without_a_title_is_rejected(site, tmp_path):
    folder, url = site
    (folder / "untitled.ttl").write_text(
        "@prefix dcat: <http://www.w3.org/ns/dcat#> . @prefix dct: <http://purl.org/dc/terms/> .\n"
        "<http://example.org/d/1> a dcat:Dataset ; dct:title \"Eins\" ; dct:description \"d\" .\n"
        "<http://example.org/d/2> a dcat:Dataset ; dct:description \"no title\" .\n", encoding="utf-8")
    cat = Catalogue.open(tmp_path / "store")
    report = harvest(cat, url + "untitled.ttl", "x")
    assert report.new == ["http://example.org/d/1"]
    assert [(r["dataset"], r["rule"]) for r in report.rejected] == [("http://example.org/d/2", "H01")]
    assert {w["rule"] for w in report.warnings} == {"H03", "H04"}


def test_the_command(site, tmp_path):
    _folder, url = site
    store = tmp_path / "store"
    args = [sys.executable, "-m", "govcat", "harvest", url + "destatis-catalog-original-input.rdf", "--store",
            str(store), "--format", "json"]
    done = subprocess.run(args, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["new"] == DESTATIS
    broken = subprocess.run([sys.executable, "-m", "govcat", "harvest", url + "nothing.ttl", "--store", str(store)],
                            capture_output=True, text=True)
    assert broken.returncode == 1 and "nothing.ttl" in broken.stderr


def _iri(value: str):
    from govcat.terms import iri
    return iri(value)


def _title(cat: Catalogue, record: str) -> str:
    return next(o.value for _s, p, o in cat.graph.triples_about(record, record) if p.value == "http://purl.org/dc/terms/title")
