"""`govcat import-listing`: real open-data portal listings (../shared/external/cn-open-data-catalogues)
read through the declarative mappings of loaders/mappings, and small made-up listings for the edge cases."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest
from conftest import needs_shared

from govcat.catalogue import Catalogue
from govcat.catalogue.history import versions
from govcat.catalogue.listings import import_listing, portal_iri
from govcat.loaders import LoadError
from govcat.loaders.listing import MAPPINGS_DIR, MappingError, format_tokens, parse_date, read_mapping
from govcat.namespaces import GC
from govcat.paths import ONTOLOGY_DIR
from govcat.schema import code_lists
from govcat.store import Graph
from govcat.terms import iri, literal
from storeutil import dataset

LISTINGS = "external/cn-open-data-catalogues"
PORTALS = {   # mapping id -> listing file under ../shared/external/cn-open-data-catalogues
    "jiangsu_jiangsu": "cnpds/jiangsu_jiangsu.json",
    "zhejiang_zhejiang": "cnpds/zhejiang_zhejiang.json",
    "shanghai_shanghai": "cnpds/shanghai_shanghai.sample.json",
    "guizhou_guiyang": "cnpds/guizhou_guiyang.json",
    "sichuan_meishan": "cnpds/sichuan_meishan.sample.json",
    "guangxi_nanning": "cnpds/guangxi_nanning.json",
    "jiangxi_jiangxi": "cqsss/jiangxi_jiangxi.json",
}
CYCLE = "https://w3id.org/govcat/code/update-cycle/"
OPEN = "https://w3id.org/govcat/code/openness/"
DCT = "http://purl.org/dc/terms/"

VALUES = """
SELECT ?listing ?p ?o WHERE { GRAPH ?listing { ?listing a <https://w3id.org/govcat/def#PortalListing> ; ?p ?o } }
"""
WITH_TEXT = """
SELECT ?tp ?text ?p ?listing ?value WHERE { GRAPH ?listing { ?listing ?tp ?text OPTIONAL { ?listing ?p ?value } } }
"""


def listing_values(cat) -> dict[str, dict[str, set[str]]]:
    """listing IRI -> predicate -> values (IRIs and lexical forms)."""
    found: dict[str, dict[str, set[str]]] = {}
    for row in cat.graph.select(VALUES):
        found.setdefault(row["listing"].value, {}).setdefault(row["p"].value, set()).add(row["o"].value)
    return found


def values_where(cat, text_prop: str, text, prop: str) -> dict[str, set[str]]:
    """listing -> its values of `prop`, for the listings whose `text_prop` is `text` (a string or a Term)."""
    found: dict[str, set[str]] = {}
    text = literal(text) if isinstance(text, str) else text
    for row in cat.graph.select(WITH_TEXT, {"tp": iri(text_prop), "text": text, "p": iri(prop)}):
        found.setdefault(row["listing"].value, set()).update([row["value"].value] if row["value"] else [])
    return found


@pytest.fixture()
def cat(tmp_path):
    return Catalogue.open(tmp_path / "s")


def write_mapping(folder, name="demo", **fields) -> str:
    fields = fields or {"title": "名称", "publisher": "单位", "issued": "发布", "modified": "更新",
                        "update_cycle": "周期", "openness": "开放", "formats": "格式", "keywords": "标签",
                        "landing_page": "网址", "description": "描述"}
    body = "\n".join(f'{k} = "{v}"' for k, v in fields.items())
    path = folder / f"{name}.toml"
    path.write_text(f'[portal]\nname = "示例开放平台"\nhomepage = "https://data.example.gov.cn/"\n\n[fields]\n{body}\n',
                    encoding="utf-8")
    return str(path)


def write_listing(folder, records, name="listing.json"):
    path = folder / name
    path.write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")
    return path


def record(title="道路运输经营许可", **extra):
    base = {"名称": title, "单位": "市交通运输局", "发布": "2023-01-05", "周期": "每年", "开放": "无条件开放"}
    base.update(extra)
    return base


# -- the real listings: all seven imported into one store, then imported again -----------------------

@pytest.fixture(scope="module")
def portals(tmp_path_factory):
    needs_shared(LISTINGS)
    cat = Catalogue.open(tmp_path_factory.mktemp("portals") / "s")
    first = {m: import_listing(cat, needs_shared(f"{LISTINGS}/{f}"), m, "tester") for m, f in PORTALS.items()}
    quads = len(cat.graph)
    again = {m: import_listing(cat, needs_shared(f"{LISTINGS}/{f}"), m, "tester") for m, f in PORTALS.items()}
    assert len(cat.graph) == quads
    return cat, first, again


COUNT = """
SELECT ?portal (COUNT(?l) AS ?n) WHERE {
  GRAPH ?l { ?l a <https://w3id.org/govcat/def#PortalListing> ; <http://purl.org/dc/terms/source> ?portal }
} GROUP BY ?portal
"""


@pytest.mark.parametrize("mapping_id", list(PORTALS))
def test_every_portal_listing_imports_and_reimports_unchanged(portals, mapping_id):
    cat, first, again = portals
    records = json.loads(needs_shared(f"{LISTINGS}/{PORTALS[mapping_id]}").read_text(encoding="utf-8"))
    out = first[mapping_id]
    assert out.imported + len(out.rejected) == len(records) == out.records
    assert out.imported > 0 and out.written and len(out.new) == out.imported
    assert not out.unused_fields, f"mapped fields absent from every record: {out.unused_fields}"
    assert int(cat.graph.select(COUNT, {"portal": iri(out.portal)})[0]["n"].value) == out.imported
    assert len({d.record for d in out.duplicates}) == len(out.duplicates)
    re = again[mapping_id]
    assert not re.written and re.unchanged == out.imported and not (re.new or re.changed or re.removed)
    assert (re.imported, len(re.duplicates), len(re.rejected)) == (out.imported, len(out.duplicates), len(out.rejected))


def test_real_variants_are_normalised_and_the_original_kept(portals):
    cat = portals[0]
    text, cycle, openness = GC + "accrualPeriodicityText", DCT + "accrualPeriodicity", GC + "openness"

    def concepts(text_prop, value, prop):
        found = values_where(cat, text_prop, value, prop)
        assert found, f"no listing has {value!r}"
        return set(map(frozenset, found.values()))

    assert concepts(text, "每天", cycle) == {frozenset({CYCLE + "2"})}             # Nanning, Shanghai
    assert concepts(text, "即时", cycle) == {frozenset({CYCLE + "1"})}             # Shanghai
    assert concepts(text, "不定期(更新说明:暂无新业务数据产生)", cycle) == {frozenset({CYCLE + "8"})}   # Zhejiang
    assert concepts(text, "其他", cycle) == {frozenset()}                          # Jiangsu: text kept, no concept
    assert concepts(GC + "opennessText", "依申请开放", openness) == {frozenset({OPEN + "2"})}   # Jiangsu
    assert concepts(GC + "opennessText", "开放网站", openness) == {frozenset()}    # Zhejiang: text kept
    assert concepts(GC + "opennessText", "1级\t不脱敏", openness) == {frozenset()}
    assert concepts(GC + "formatText", "数据库-mysql", DCT + "format") == {frozenset({"mysql"})}
    assert concepts(GC + "formatText", "[xls]", DCT + "format") == {frozenset({"xls"})}          # Jiangxi
    assert concepts(GC + "formatText", "['xls', 'json', 'csv']", DCT + "format") == {frozenset({"xls", "json", "csv"})}
    # Nanning's 标签 separates keywords with \r\n\t and keeps 、 inside one
    words = values_where(cat, DCT + "title", "联交所项目中标公告", "http://www.w3.org/ns/dcat#keyword")
    assert {"公告", "公共管理、社会保障和社会组织"} <= next(iter(words.values()))


def test_meishan_listings_share_a_url_but_get_their_own_iris(portals):
    cat, first, _ = portals
    out = first["sichuan_meishan"]
    pages = values_where(cat, DCT + "source", iri(out.portal), "http://www.w3.org/ns/dcat#landingPage")
    assert len(pages) == out.imported == 1026 and not out.duplicates
    assert set().union(*pages.values()) == {"http://data.ms.gov.cn/portal/service_detail"}


def test_every_portal_has_a_mapping_that_reads():
    assert sorted(p.stem for p in MAPPINGS_DIR.glob("*.toml")) == sorted(PORTALS)
    for mapping_id in PORTALS:
        mapping = read_mapping(mapping_id)
        assert mapping.id == mapping_id and mapping.name and mapping.homepage.startswith("http")


# -- made-up listings: normalisation, rejections, duplicates, replacement ------------------------------

def test_variants_are_normalised(cat, tmp_path):
    listing = write_listing(tmp_path, [
        record("甲", 周期="每天", 开放="依申请开放", 格式="['api']"),
        record("乙", 周期="不定期(更新说明:暂无新业务数据产生)", 开放="普遍开放", 格式="[xml,xls,csv,json,rdf]"),
        record("丙", 周期="不定期更新", 开放="安全开放", 格式="数据库-mysql"),
        record("丁", 周期=" 静态数据 ", 开放="开放网站", 格式=["XLS", "csv"]),
        record("戊", 周期="其他", 开放="暂无", 格式="xls、csv", 发布="2023/06/12 17:33:10",
               标签="所\r\n\t交\r\n\t公告", 描述="序号\t申请单位\r\n"),
    ])
    out = import_listing(cat, listing, write_mapping(tmp_path), "tester")
    assert out.imported == 5 and not out.rejected
    by_title = {next(iter(v[DCT + "title"])): v for v in listing_values(cat).values()}
    cycles = {t: v.get(DCT + "accrualPeriodicity") for t, v in by_title.items()}
    assert cycles == {"甲": {CYCLE + "2"}, "乙": {CYCLE + "8"}, "丙": {CYCLE + "8"}, "丁": {CYCLE + "8"}, "戊": None}
    assert by_title["甲"][GC + "accrualPeriodicityText"] == {"每天"}
    assert by_title["戊"][GC + "accrualPeriodicityText"] == {"其他"}
    openness = {t: v.get(GC + "openness") for t, v in by_title.items()}
    assert openness == {"甲": {OPEN + "2"}, "乙": {OPEN + "1"}, "丙": {OPEN + "2"}, "丁": None, "戊": None}
    assert by_title["丁"][GC + "opennessText"] == {"开放网站"}
    formats = {t: v.get(DCT + "format") for t, v in by_title.items()}
    assert formats == {"甲": {"api"}, "乙": {"xml", "xls", "csv", "json", "rdf"}, "丙": {"mysql"},
                       "丁": {"xls", "csv"}, "戊": {"xls", "csv"}}
    assert by_title["丙"][GC + "formatText"] == {"数据库-mysql"}
    assert by_title["戊"][DCT + "issued"] == {"2023-06-12"}
    assert by_title["戊"]["http://www.w3.org/ns/dcat#keyword"] == {"所", "交", "公告"}
    assert by_title["戊"][DCT + "description"] == {"序号 申请单位"}
    stats = out.by_field_normalised
    assert stats["update_cycle"].normalised == 4 and stats["update_cycle"].not_normalised == {"其他": 1}
    assert stats["openness"].not_normalised == {"开放网站": 1, "暂无": 1}
    assert out.clean == 3


def test_parsing_helpers():
    assert parse_date("2023年6月2日").isoformat() == "2023-06-02"
    assert parse_date("20230602").isoformat() == "2023-06-02"
    assert parse_date("2023-02-30") is None and parse_date("暂无") is None
    assert format_tokens("电子表格-其他") == () and format_tokens("") == () and format_tokens("[]") == ()
    assert format_tokens({"a": 1}) is None


def test_rows_that_cannot_be_mapped_are_reported_with_the_reason(cat, tmp_path):
    rows = [record("好"), "不是对象", {"单位": "某局"}, record("  \t "), record("坏日期", 发布="2023-13-45"),
            record("坏网址", 网址="暂无"), record(["列表"]), None, record("也好", 更新="")]
    out = import_listing(cat, write_listing(tmp_path, rows), write_mapping(tmp_path), "tester")
    assert out.imported + len(out.rejected) == len(rows) and out.imported == 2
    reasons = {r.row: (r.field, r.en) for r in out.rejected}
    assert reasons == {
        1: (None, "the record is not a JSON object (str)"),
        2: ("名称", "the record has no title field"),
        3: ("名称", "the title is empty"),
        4: ("发布", "the issued date cannot be read"),
        5: ("网址", "the landing page is not an http(s) URL"),
        6: ("名称", "the title is not text"),
        7: (None, "the record is not a JSON object (null)"),
    }
    assert "下标 4" in out.rejected[3].text("zh") and "2023-13-45" in out.rejected[3].text("zh")


def test_duplicates_get_a_suffix_and_are_still_imported(cat, tmp_path):
    rows = [record("同名"), record("同名"), record("同名", 发布="2023-01-06"), record("同名")]
    out = import_listing(cat, write_listing(tmp_path, rows), write_mapping(tmp_path), "tester")
    assert out.imported == 4
    assert [(d.row, d.first_row) for d in out.duplicates] == [(1, 0), (3, 0)]
    assert out.duplicates[0].record.endswith("-2") and out.duplicates[1].record.endswith("-3")
    assert all(cat.exists(d.record) for d in out.duplicates)


def test_reimport_replaces_the_portals_listings_and_keeps_their_history(cat, tmp_path):
    mapping = write_mapping(tmp_path)
    first = import_listing(cat, write_listing(tmp_path, [record("甲"), record("乙"), record("丙")]), mapping, "tester")
    other = import_listing(cat, write_listing(tmp_path, [record("甲")], "other.json"),
                           write_mapping(tmp_path, "other"), "tester")
    gone = next(r for r in first.new if r in {iri_ for iri_ in first.new} and "乙" in str(cat.record_lines(r)))
    second = import_listing(cat, write_listing(tmp_path, [record("甲"), record("丙", 周期="每月")]), mapping, "tester")
    assert second.removed == [gone] and len(second.changed) == 1 and second.unchanged == 1 and not second.new
    assert not cat.exists(gone) and [v.action for v in versions(cat, gone)] == ["import-listing", "delete"]
    changed = versions(cat, second.changed[0])
    assert len(changed) == 2 and any("每年" in line for line in changed[0].content)
    assert all(cat.exists(r) for r in other.new)           # another portal's listings are left alone
    assert cat.exists(portal_iri(first.mapping)) and cat.exists(portal_iri(other.mapping))


def test_nothing_importable_writes_nothing(cat, tmp_path):
    mapping = write_mapping(tmp_path)
    import_listing(cat, write_listing(tmp_path, [record("甲")]), mapping, "tester")
    before = dataset(cat)
    out = import_listing(cat, write_listing(tmp_path, [{"标题": "字段名不对"}], "wrong.json"), mapping, "tester")
    assert out.imported == 0 and not out.written and out.unused_fields and dataset(cat) == before


@pytest.mark.parametrize("text, fragment", [
    ('[portal]\nname = "x"\n[fields]\ntitle = "标题"\ntitel = "标题"\n', "unknown key fields.titel"),
    ('[portal]\nname = "x"\n[fields]\ndescription = "描述"\n', "fields.title is missing"),
    ('[portal]\nname = "x"\nowner = "y"\n[fields]\ntitle = "标题"\n', "unknown key portal.owner"),
    ('[fields]\ntitle = "标题"\n', "[portal] is missing"),
    ('[portal]\nname = "x"\n[fields]\ntitle = 3\n', "fields.title must be a non-empty string"),
    ('[portal]\nname = "x"\nhomepage = "data.example"\n[fields]\ntitle = "标题"\n', "homepage must be an http(s) URL"),
    ('[portal\nname = "x"\n', "not valid TOML"),
])
def test_a_broken_mapping_is_refused_naming_the_file(tmp_path, text, fragment):
    path = tmp_path / "broken.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(MappingError) as err:
        read_mapping(path)
    assert fragment in err.value.en and str(path) in str(err.value) and str(path) in err.value.text("zh")


def test_a_broken_listing_file_is_unreadable(cat, tmp_path):
    mapping = write_mapping(tmp_path)
    broken = tmp_path / "broken.json"
    broken.write_text('[{"名称": "甲"}, {"名称": ', encoding="utf-8")
    with pytest.raises(LoadError, match="not valid JSON"):
        import_listing(cat, broken, mapping, "tester")
    (tmp_path / "object.json").write_text('{"名称": "甲"}', encoding="utf-8")
    with pytest.raises(LoadError, match="array of records"):
        import_listing(cat, tmp_path / "object.json", mapping, "tester")
    with pytest.raises(LoadError, match="no such file"):
        import_listing(cat, tmp_path / "absent.json", mapping, "tester")


# -- vocabulary -------------------------------------------------------------------------------------

def test_openness_is_a_code_list_and_new_terms_are_labelled_in_both_languages():
    openness = code_lists()[GC + "OpennessType"]
    assert openness.labels == ("无条件开放", "有条件开放", "不予开放")
    assert openness.lookup["依申请开放"] == OPEN + "2" and openness.lookup["普遍开放"] == OPEN + "1"
    graph = Graph()
    graph.load_file(ONTOLOGY_DIR / "listings.ttl")
    missing = graph.select("""
        PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
        SELECT ?term ?lang WHERE {
          ?term a ?kind .
          FILTER(STRSTARTS(STR(?term), "https://w3id.org/govcat/"))
          VALUES ?lang { "zh" "en" }
          FILTER(NOT EXISTS { ?term skos:prefLabel ?l FILTER(LANG(?l) = ?lang) }
                 || NOT EXISTS { ?term skos:definition ?d FILTER(LANG(?d) = ?lang) })
        }""")
    assert not missing, missing


# -- the command line -----------------------------------------------------------------------------------

def run(*args):
    return subprocess.run([sys.executable, "-m", "govcat", "import-listing", *map(str, args)],
                          check=False, capture_output=True, text=True, encoding="utf-8")


def test_cli_imports_a_portal_listing(tmp_path):
    path = needs_shared(f"{LISTINGS}/{PORTALS['jiangxi_jiangxi']}")
    done = run(path, "--mapping", "jiangxi_jiangxi", "--store", tmp_path / "s", "--as", "tester")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("江苏省公共数据开放平台（jiangxi_jiangxi）：279 条记录，导入 279 条".replace("江苏", "江西"))


def test_cli_reports_rejections_and_exit_codes(tmp_path):
    mapping = write_mapping(tmp_path)
    store = tmp_path / "s"
    done = run(write_listing(tmp_path, [record("好"), record("坏", 发布="去年")]), "--mapping", mapping, "--store", store)
    assert done.returncode == 0, done.stderr
    assert "拒收 1 条" in done.stdout and "下标 1，字段“发布”" in done.stdout and "row 1, field 发布" in done.stdout
    assert "开放属性" not in done.stdout and "更新周期" not in done.stdout   # every value normalised
    nothing = run(write_listing(tmp_path, [record("坏", 发布="去年")], "bad.json"), "--mapping", mapping, "--store", store)
    assert nothing.returncode == 1 and "未写入" in nothing.stderr
    broken = tmp_path / "broken.toml"
    broken.write_text('[portal]\nname = "x"\n[fields]\ntitle = "名称"\nsubject = "主题"\n', encoding="utf-8")
    refused = run(write_listing(tmp_path, [record()], "ok.json"), "--mapping", broken, "--store", store)
    assert refused.returncode == 1 and str(broken) in refused.stderr and "subject" in refused.stderr
    (tmp_path / "broken.json").write_text("[{", encoding="utf-8")
    unreadable = run(tmp_path / "broken.json", "--mapping", mapping, "--store", store)
    assert unreadable.returncode == 2 and "broken.json" in unreadable.stderr and "JSON" in unreadable.stderr
