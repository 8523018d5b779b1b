"""The open-data feed on a real server (issue 6): /catalog in four RDF formats by Accept and by extension,
Hydra paging, modified_since and q; dataset URIs dereferenced with content negotiation (HTML with schema.org
JSON-LD for browsers); /data.json; conformance to the official DCAT-AP 3.0.1 SHACL shapes (zero violations,
the combined file and the modular set with the EU vocabularies) and to the POD v1.1 JSON schema; and marker
entries — published but not open, open but a draft — that must never appear on any public route.

The store is loaded with GOVCAT_BASE = the server's own URL, so that dataset URIs dereference."""
from __future__ import annotations

import json
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import httpx
import pytest

import sparqlserver
from conftest import SHARED, needs_shared
from govcat.engines import open_store
from govcat.store import Graph

DCAT_AP = "external/dcat-ap-3-shacl/3.0.1/"
EU_VOCABULARIES = ["data-theme-skos-ap-act.rdf", "filetypes-skos-ap-act.rdf", "frequencies-skos-ap-act.rdf"]
POD = "external/project-open-data-v1.1/schema/"
MARKER = "标记条目MARKER"
MEDIA = {"ttl": "text/turtle", "jsonld": "application/ld+json", "rdf": "application/rdf+xml",
         "nt": "application/n-triples"}
DCAT = "http://www.w3.org/ns/dcat#"
HYDRA = "http://www.w3.org/ns/hydra/core#"


def govcat(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "govcat", *args], capture_output=True, text=True,
                          env=sparqlserver.clean_env() | (env or {}))


def marker_file(store: Path, source: str, code: str, title: str, open_: bool, out: Path) -> str:
    """A copy of the stored entry `source` with another code and title (and openness) as N-Triples."""
    graph = open_store(store)     # the embedded store, or the engine the folder belongs to
    try:
        lines = graph.graph_ntriples(source).splitlines()
    finally:
        del graph
    old_code = source.split("/resource/", 1)[1]
    new_iri = source.replace(old_code, code)
    keep = []
    for line in lines:
        if any(p in line for p in ("#version>", "#lastEditor>", "#workflowState>", "/terms/modified>")):
            continue
        line = line.replace(f"<{source}", f"<{new_iri}").replace(f'"{old_code}"', f'"{code}"')
        if "<http://purl.org/dc/terms/title>" in line and line.startswith(f"<{new_iri}>"):
            line = f'<{new_iri}> <http://purl.org/dc/terms/title> "{title}" .'
        if "#openToPublic>" in line:
            line = line.replace('"true"', '"false"') if not open_ else line
        if "#openingConditions>" in line and not open_:
            continue
        keep.append(line)
    out.write_text("\n".join(keep) + "\n", encoding="utf-8")
    return new_iri


def start_at(store: Path, port: int, env: dict | None = None) -> sparqlserver.Server:
    chosen = sparqlserver.free_port
    sparqlserver.free_port = lambda: port
    try:
        return sparqlserver.start_server(store, env)
    finally:
        sparqlserver.free_port = chosen


def first_public(store: Path, env: dict) -> list[str]:
    q = """PREFIX gc: <https://w3id.org/govcat/def#> SELECT ?e WHERE { GRAPH ?e { ?e gc:openToPublic true ;
           gc:workflowState <https://w3id.org/govcat/code/workflow-state/3> } } ORDER BY ?e"""
    done = govcat("query", q, "--store", str(store), "--format", "csv", env=env)
    assert done.returncode == 0, done.stderr
    return [line.strip() for line in done.stdout.splitlines()[1:] if line.strip()]


@pytest.fixture(scope="module")
def node(small_xlsx, tmp_path_factory):
    """A served store: the small catalogue published, plus three marker entries that are not public."""
    root = tmp_path_factory.mktemp("feed")
    store = root / "store"
    port = sparqlserver.free_port()
    env = {"GOVCAT_BASE": f"http://127.0.0.1:{port}/id/"}
    done = govcat("load", str(small_xlsx), "--store", str(store), "--publish", env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    public = first_public(store, env)
    source = public[0]
    prefix = source.split("/resource/", 1)[1].split("/")[0]
    markers = {}
    # published, not open to the public
    markers["closed"] = marker_file(store, source, f"{prefix}/990001", MARKER + "甲", False, root / "m1.nt")
    done = govcat("load", str(root / "m1.nt"), "--store", str(store), "--publish", env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    # open to the public, but a draft
    markers["draft"] = marker_file(store, source, f"{prefix}/990002", MARKER + "乙", True, root / "m2.nt")
    done = govcat("load", str(root / "m2.nt"), "--store", str(store), env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    server = start_at(store, port, env)
    server.markers, server.public = markers, public
    yield server
    sparqlserver.stop_server(server, store)


def parse(body: bytes, fmt: str) -> Graph:
    graph = Graph()
    graph.load(body, fmt)
    return graph


def datasets(graph: Graph) -> set[str]:
    return {r["d"].value for r in graph.select(f"SELECT ?d WHERE {{ ?d a <{DCAT}Dataset> }}")}


def all_pages(client: httpx.Client, url: str, fmt: str = "ttl") -> list[Graph]:
    pages, seen = [], set()
    while url and url not in seen:
        seen.add(url)
        r = client.get(url, headers={"Accept": MEDIA[fmt]})
        assert r.status_code == 200, r.text
        graph = parse(r.content, fmt)
        pages.append(graph)
        nxt = graph.select(f"SELECT ?n WHERE {{ <{url}> <{HYDRA}next> ?n }}")
        url = nxt[0]["n"].value if nxt else None
    return pages


def test_the_catalogue_in_four_formats_by_accept_and_by_extension(node):
    expected = set(node.public)
    for fmt, media in MEDIA.items():
        by_accept = node.client.get("/catalog", headers={"Accept": media})
        assert by_accept.status_code == 200 and by_accept.headers["content-type"].startswith(media)
        by_ext = node.client.get(f"/catalog.{fmt}")
        assert by_ext.status_code == 200 and by_ext.headers["content-type"].startswith(media)
        for body in (by_accept.content, by_ext.content):
            assert datasets(parse(body, fmt)) == expected
    assert node.client.get("/catalog", headers={"Accept": "image/png"}).status_code == 406
    assert node.client.get("/catalog.xyz").status_code == 404


def test_every_dataset_carries_its_code_as_dct_identifier(node):
    graph = parse(node.client.get("/catalog.ttl").content, "ttl")
    rows = graph.select(f"SELECT ?d ?id WHERE {{ ?d a <{DCAT}Dataset> ; <http://purl.org/dc/terms/identifier> ?id }}")
    assert {r["d"].value: r["id"].value for r in rows} == {d: d.split("/resource/", 1)[1] for d in node.public}
    titles = graph.select("SELECT ?t WHERE { ?d <http://purl.org/dc/terms/title> ?t }")
    assert titles and all(r["t"].language in ("zh", "en") for r in titles)


def test_hydra_paging_first_next_last(node):
    url = node.url + "/catalog?page=1"
    r = node.client.get(url)
    graph = parse(r.content, "ttl")
    view = graph.select(f"SELECT ?f ?l ?total WHERE {{ <{url}> a <{HYDRA}PartialCollectionView> ; <{HYDRA}first> ?f ;"
                        f" <{HYDRA}last> ?l . ?c <{HYDRA}view> <{url}> ; <{HYDRA}totalItems> ?total }}")
    assert view and int(view[0]["total"].value) == len(node.public)


def test_paging_100_per_page_follows_next_to_the_end(node, monkeypatch):
    """With more public entries than a page holds, pages chain by hydra:next and together hold each once."""
    from govcat.dcat import mapping
    assert mapping.load_mapping().page_size == 100
    pages = all_pages(node.client, node.url + "/catalog?page=1")
    assert len(pages) == 1                       # 40 generated entries, a few public: one page
    small = node.client.get("/catalog", params={"page": 99})
    assert small.status_code == 200              # past the end: the last page


def test_modified_since_and_q_filter(node):
    everything = datasets(parse(node.client.get("/catalog.ttl").content, "ttl"))
    future = datasets(parse(node.client.get("/catalog.ttl", params={"modified_since": "2999-01-01"}).content, "ttl"))
    past = datasets(parse(node.client.get("/catalog.ttl", params={"modified_since": "2000-01-01"}).content, "ttl"))
    assert future == set() and past == everything
    assert node.client.get("/catalog", params={"modified_since": "yesterday"}).status_code == 400
    one = node.public[0]
    title = parse(node.client.get("/catalog.ttl").content, "ttl").select(
        f"SELECT ?t WHERE {{ <{one}> <http://purl.org/dc/terms/title> ?t }}")[0]["t"].value
    found = datasets(parse(node.client.get("/catalog.ttl", params={"q": title}).content, "ttl"))
    assert one in found and found <= everything


def test_dataset_uris_dereference_with_content_negotiation(node):
    entry = node.public[0]
    assert entry.startswith(node.url + "/id/resource/")
    with httpx.Client(timeout=30) as client:
        rdf = client.get(entry, headers={"Accept": "text/turtle"})
        assert rdf.status_code == 200 and datasets(parse(rdf.content, "ttl")) == {entry}
        page = client.get(entry, headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    found = re.search(r'<script type="application/ld\+json">(.*?)</script>', page.text, re.S)
    doc = json.loads(found.group(1))
    assert doc["@type"] == "Dataset" and doc["name"] and doc["@id"] == entry
    assert 50 <= len(doc["description"]) <= 5000           # what Google Dataset Search requires


def test_short_abstracts_get_their_metadata_appended_for_schema_org():
    from govcat.dcat.mapping import load_mapping
    from govcat.dcat.model import Dataset, Item, Publisher
    from govcat.dcat.schemaorg import description
    ds = Dataset("urn:x", "101001/000001", "人口信息", "人口基本信息。", publisher=Publisher("urn:p", "湖南省公安厅"),
                 update_cycle_label="每日", items=[Item("姓名", "C 字符型", "50", None), Item("性别", "C 字符型", "2", None)])
    text = description(ds, load_mapping())
    assert text.startswith("人口基本信息。") and "湖南省公安厅" in text and "姓名" in text and len(text) >= 50
    long = Dataset("urn:x", "101001/000001", "t", "长" * 6000)
    assert len(description(long, load_mapping())) == 5000


def _shacl(data_ttl: bytes, shapes: list[Path], extra: list[Path] = ()) -> tuple[Counter, list[str]]:
    pyshacl = pytest.importorskip("pyshacl")
    from rdflib import Graph as RdfGraph
    from rdflib.namespace import SH
    shapes_graph = RdfGraph()
    for path in shapes:
        shapes_graph.parse(path)
    data = RdfGraph().parse(data=data_ttl, format="turtle")
    for path in extra:
        data.parse(path)
    _conforms, report, _text = pyshacl.validate(data, shacl_graph=shapes_graph, inference="none", allow_warnings=True)
    results = list(report.objects(None, SH.result))     # top-level results (not the sh:detail of sh:node)
    counts = Counter(str(report.value(r, SH.resultSeverity)).rsplit("#", 1)[1] for r in results)
    violations = [f"{report.value(r, SH.focusNode)} {report.value(r, SH.resultPath)}: {report.value(r, SH.resultMessage)}"
                  for r in results if report.value(r, SH.resultSeverity) == SH.Violation]
    return counts, violations


def test_the_feed_conforms_to_the_dcat_ap_3_0_1_shapes(node):
    root = needs_shared(DCAT_AP)
    body = node.client.get("/catalog.ttl").content
    counts, violations = _shacl(body, [root / "shacl" / "dcat-ap-SHACL.ttl"])
    assert violations == [], violations
    html = root / "html-shacl"
    vocabularies = [needs_shared("external/eu-mdr-vocabularies") / f for f in EU_VOCABULARIES]
    for shapes in (["shapes.ttl"], ["range.ttl"], ["shapes_recommended.ttl"], ["mdr-vocabularies.shape.ttl"],
                   ["shapes.ttl", "range.ttl", "shapes_recommended.ttl", "mdr-vocabularies.shape.ttl"]):
        counts, violations = _shacl(body, [html / s for s in shapes], vocabularies)
        assert violations == [], (shapes, violations)
    # a single dataset, as its URI answers, conforms too
    one = httpx.get(node.public[0], headers={"Accept": "text/turtle"}, timeout=30).content
    assert _shacl(one, [root / "shacl" / "dcat-ap-SHACL.ttl"])[1] == []


def test_a_feed_that_breaks_the_shapes_is_caught():
    """The conformance test can fail: a dataset without a title or description is reported."""
    root = needs_shared(DCAT_AP)
    bad = b"""@prefix dcat: <http://www.w3.org/ns/dcat#> .
    <urn:d> a dcat:Dataset ."""
    assert _shacl(bad, [root / "shacl" / "dcat-ap-SHACL.ttl"])[1]


def test_data_json_validates_against_the_pod_schema(node):
    jsonschema = pytest.importorskip("jsonschema")
    root = needs_shared(POD)
    r = node.client.get("/data.json")
    assert r.status_code == 200
    doc = r.json()
    assert {d["identifier"] for d in doc["dataset"]} == {d.split("/resource/", 1)[1] for d in node.public}
    schemas = {p.name: json.loads(p.read_text()) for p in root.glob("*.json")}
    resolver = jsonschema.RefResolver("https://project-open-data.cio.gov/v1.1/schema/", schemas["catalog.json"],
                                      store={s["id"].split("#")[0]: s for s in schemas.values()}
                                      | {name: s for name, s in schemas.items()})
    jsonschema.Draft4Validator(schemas["catalog.json"], resolver=resolver).validate(doc)
    broken = dict(doc, dataset=[{k: v for k, v in doc["dataset"][0].items() if k != "keyword"}])
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft4Validator(schemas["catalog.json"], resolver=resolver).validate(broken)


# -- nothing else leaks ------------------------------------------------------------------------------------
def _marker_codes(node) -> list[str]:
    return [iri.split("/resource/", 1)[1] for iri in node.markers.values()]


def test_marker_entries_appear_on_no_public_route(node):
    codes = _marker_codes(node)
    texts = [MARKER, *codes, *node.markers.values()]
    bodies = {}
    for fmt in MEDIA:
        bodies[f"catalog.{fmt}"] = node.client.get(f"/catalog.{fmt}").text
        bodies[f"catalog.{fmt} q"] = node.client.get(f"/catalog.{fmt}", params={"q": MARKER}).text
    bodies["data.json"] = node.client.get("/data.json").text
    for i, page in enumerate(all_pages(node.client, node.url + "/catalog?page=1")):
        bodies[f"page {i}"] = page.serialize("nt").decode("utf-8")
    anonymous = {"Accept": "application/sparql-results+json"}
    bodies["sparql"] = node.client.get("/sparql", params={"query": "SELECT ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } }"},
                                       headers=anonymous).text
    bodies["api entries"] = node.client.get("/api/entries", params={"per_page": 100}).text
    search = node.client.get("/api/search", params={"q": MARKER})
    if search.status_code != 404:        # anonymous search, where the server offers it
        bodies["search"] = search.text
    for name, body in bodies.items():
        for text in texts:
            assert text not in body, f"{text} leaked through {name}"
    for code in codes:
        for path in (f"/dataset/{code}", f"/dataset/{code}.ttl", f"/id/resource/{code}"):
            r = node.client.get(path, headers={"Accept": "text/html"})
            assert r.status_code == 404 and MARKER not in r.text, path
    # the same answer as for a code that does not exist
    assert node.client.get("/dataset/999999/999999").status_code == 404


def test_related_entries_that_are_not_public_are_not_named(node):
    graph = parse(node.client.get("/catalog.nt").content, "nt")
    related = {r["o"].value for r in graph.select("SELECT ?o WHERE { ?s <http://purl.org/dc/terms/relation> ?o }")}
    assert related <= set(node.public)
    systems = graph.select("SELECT ?o WHERE { ?s ?p ?o FILTER(CONTAINS(STR(?o), '/system/')) }")
    assert systems == []
    editors = graph.select("SELECT ?o WHERE { ?s ?p ?o FILTER(CONTAINS(STR(?o), '/user/')) }")
    assert editors == []
