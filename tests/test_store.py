"""The catalogue on disk: atomic, idempotent loads in the store's context; history; workflow; users;
export, dump and restore. A real on-disk Oxigraph store in a temporary folder."""
from __future__ import annotations

import csv
import shutil
import subprocess
import sys

import pytest

from govcat.catalogue import Catalogue
from govcat.catalogue.export import dump, export_xlsx, restore
from govcat.catalogue.history import diff, restore_version, versions
from govcat.catalogue.loading import DRAFT, PUBLISHED, load_file
from govcat.catalogue.users import UserError, add_user, authenticate
from govcat.catalogue.workflow import transition
from govcat.generate import generate_catalogue
from govcat.terms import iri
from storeutil import dataset

def rows(folder, sheet):
    with open(folder / f"{sheet}.csv", encoding="utf-8-sig", newline="") as f:
        return list(csv.reader(f))


def write_rows(folder, sheet, table):
    with open(folder / f"{sheet}.csv", "w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows(table)


@pytest.fixture()
def cat(tmp_path):
    return Catalogue.open(tmp_path / "store")


@pytest.fixture()
def csv_copy(small_csv, tmp_path):
    shutil.copytree(small_csv, tmp_path / "cat")
    return tmp_path / "cat"


def record_count(cat, cls="InformationResource"):
    found = cat.graph.select("SELECT ?c (COUNT(?s) AS ?n) WHERE { GRAPH ?s { ?s a ?c } } GROUP BY ?c",
                             {"c": iri(f"https://w3id.org/govcat/def#{cls}")})
    return int(found[0]["n"].value) if found else 0


def test_loading_twice_changes_nothing(cat, small_xlsx):
    first = load_file(cat, small_xlsx, "zhang")
    assert first.written and len(first.new) == sum(first.report.counts[s] for s in ("部门", "信息系统", "信息资源", "数据流"))
    before = dataset(cat)
    again = load_file(cat, small_xlsx, "zhang")
    assert not again.written and again.unchanged == len(first.new) and not again.changed
    assert dataset(cat) == before


def test_a_changed_row_replaces_its_record_and_keeps_the_old_version(cat, csv_copy):
    load_file(cat, csv_copy, "zhang")
    table = rows(csv_copy, "信息资源")
    code, old_title = table[1][2], table[1][1]
    table[1][1] = old_title + "（修订）"
    write_rows(csv_copy, "信息资源", table)
    outcome = load_file(cat, csv_copy, "li")
    assert [r.rsplit("/resource/", 1)[1] for r in outcome.changed] == [code] and not outcome.new
    record = cat.resolve(code)
    assert any(old_title + "（修订）" in line for line in cat.record_lines(record))
    history = versions(cat, record)
    assert [v.number for v in history] == [1, 2] and history[1].user.endswith("/li")
    changes = diff(history[0].content, history[1].content)
    assert any(line.startswith("-") and old_title in line for line in changes)
    assert any(line.startswith("+") and "（修订）" in line for line in changes)


def test_a_file_with_violations_writes_nothing(cat, small_xlsx, tmp_path):
    load_file(cat, small_xlsx, "zhang")
    before = dataset(cat)
    bad = generate_catalogue(tmp_path / "bad.xlsx", entries=40, seed=2, defects=0.2)
    outcome = load_file(cat, bad.path, "zhang")
    assert not outcome.report.conforms and not outcome.written
    assert {(d["rule"], d["sheet"], d["row"]) for d in bad.defects if d["severity"] == "Violation"} <= \
        {(r.rule, r.sheet, r.row) for r in outcome.report.results}
    assert dataset(cat) == before


def test_references_resolve_against_records_loaded_earlier(cat, csv_copy, tmp_path):
    load_file(cat, csv_copy, "zhang")
    only_entries = tmp_path / "entries"
    shutil.copytree(csv_copy, only_entries)
    for sheet in ("部门", "信息系统", "数据流"):
        write_rows(only_entries, sheet, rows(csv_copy, sheet)[:1])       # headers only
    table = rows(only_entries, "信息资源")
    table[1][5] = table[1][5] + "（补充说明）"
    write_rows(only_entries, "信息资源", table)
    outcome = load_file(cat, only_entries, "zhang")
    assert outcome.report.conforms, [(r.rule, r.sheet, r.row) for r in outcome.report.results]
    assert len(outcome.changed) == 1
    # the same file alone, without the store, breaks C05 and C22: its departments and systems are elsewhere
    fresh = Catalogue.open(tmp_path / "other")
    alone = load_file(fresh, only_entries, "zhang")
    assert {"C05", "C22"} <= {r.rule for r in alone.report.results}


def test_records_missing_from_the_file_are_kept_unless_the_department_is_replaced(cat, csv_copy):
    load_file(cat, csv_copy, "zhang")
    entries = rows(csv_copy, "信息资源")
    total = len(entries) - 1
    dept = max({r[4] for r in entries[1:]}, key=lambda d: sum(r[4] == d for r in entries[1:]))
    dropped = [r for r in entries[1:] if r[4] == dept]
    kept_rows = [entries[0]] + [r for r in entries[1:] if r[4] != dept or r is dropped[0]]
    dropped_codes = {r[2] for r in dropped[1:]}
    write_rows(csv_copy, "信息资源", kept_rows)
    items = rows(csv_copy, "信息项")
    write_rows(csv_copy, "信息项", [items[0]] + [r for r in items[1:] if r[0] not in dropped_codes])
    flows = rows(csv_copy, "数据流")
    write_rows(csv_copy, "数据流", [flows[0]] + [r for r in flows[1:] if r[3] not in dropped_codes])
    load_file(cat, csv_copy, "zhang")
    assert record_count(cat) == total
    assert dropped_codes
    outcome = load_file(cat, csv_copy, "zhang", replace_department=dept)
    assert outcome.written and {r.rsplit("/resource/", 1)[-1] for r in outcome.removed} >= dropped_codes
    assert record_count(cat) == total - len(dropped_codes)
    gone = cat.graph.select("SELECT ?r WHERE { GRAPH ?r { ?r ?p ?o } }", {"r": iri(outcome.removed[0])})
    assert gone == [] and versions(cat, outcome.removed[0])[-1].action == "delete"


def test_publish_loads_entries_as_published_and_records_it(cat, small_xlsx):
    load_file(cat, small_xlsx, "admin", publish=True)
    states = cat.graph.select("SELECT ?st (COUNT(?e) AS ?n) WHERE { GRAPH ?e { ?e <https://w3id.org/govcat/def#workflowState> ?st } } GROUP BY ?st")
    assert [(r["st"].value, int(r["n"].value)) for r in states] == [(PUBLISHED, 40)]
    record = states and cat.graph.select("SELECT ?e WHERE { GRAPH ?e { ?e a <https://w3id.org/govcat/def#InformationResource> } } LIMIT 1")[0]["e"].value
    assert versions(cat, record)[0].action == "publish"


def test_review_workflow_with_four_eyes_and_reasons(cat, small_xlsx):
    load_file(cat, small_xlsx, "li")
    add_user(cat, "li", "editor")
    add_user(cat, "wang", "reviewer")
    code = cat.graph.select("SELECT ?c WHERE { GRAPH ?e { ?e a <https://w3id.org/govcat/def#InformationResource> ; <http://purl.org/dc/terms/identifier> ?c } } ORDER BY ?c LIMIT 1")[0]["c"].value
    record = cat.resolve(code)
    assert cat.admin_value(record, "https://w3id.org/govcat/def#workflowState").value == DRAFT
    with pytest.raises(UserError):
        transition(cat, code, "approve", "wang")                 # not submitted yet
    transition(cat, code, "submit", "li")
    with pytest.raises(UserError):
        transition(cat, code, "approve", "li")                   # an editor cannot approve
    with pytest.raises(UserError):
        transition(cat, code, "return", "wang")                  # a reason is required
    transition(cat, code, "return", "wang", reason="共享条件写得不清楚")
    transition(cat, code, "submit", "li")
    assert transition(cat, code, "approve", "wang") == PUBLISHED
    add_user(cat, "admin2", "admin")
    transition(cat, code, "withdraw", "admin2")
    actions = [(v.action, v.note) for v in versions(cat, record)]
    assert actions == [("load", None), ("submit", None), ("return", "共享条件写得不清楚"), ("submit", None),
                       ("approve", None), ("withdraw", None)]


def test_the_reviewer_must_not_be_the_last_editor(cat, small_xlsx):
    load_file(cat, small_xlsx, "wang")
    add_user(cat, "wang", "reviewer")
    add_user(cat, "li", "editor")
    code = cat.graph.select("SELECT ?c WHERE { GRAPH ?e { ?e a <https://w3id.org/govcat/def#InformationResource> ; <http://purl.org/dc/terms/identifier> ?c } } LIMIT 1")[0]["c"].value
    transition(cat, code, "submit", "li")
    with pytest.raises(UserError, match="last editor"):
        transition(cat, code, "approve", "wang")


def test_user_tokens_are_shown_once_and_stored_hashed(cat):
    token = add_user(cat, "zhao", "viewer")
    assert authenticate(cat, token).name == "zhao"
    assert authenticate(cat, token + "x") is None
    assert token not in cat.graph.dump_dataset("nq").decode()
    with pytest.raises(UserError):
        add_user(cat, "zhao", "viewer")
    # the accounts are read once per state of the store: a user added afterwards is known at once
    second = add_user(cat, "qian", "editor")
    assert authenticate(cat, second).name == "qian" and authenticate(cat, token).name == "zhao"


def test_restore_version_brings_old_content_back_as_a_new_version(cat, csv_copy):
    load_file(cat, csv_copy, "zhang")
    table = rows(csv_copy, "信息资源")
    code, title = table[1][2], table[1][1]
    table[1][1] = "改过的名称"
    write_rows(csv_copy, "信息资源", table)
    load_file(cat, csv_copy, "zhang")
    record = cat.resolve(code)
    assert restore_version(cat, record, 1, "zhang") == 3
    assert any(f'"{title}"' in line for line in cat.record_lines(record))
    assert len(versions(cat, record)) == 3


def test_export_then_load_changes_nothing(cat, small_xlsx, tmp_path):
    load_file(cat, small_xlsx, "zhang")
    before = dataset(cat)
    export_xlsx(cat, tmp_path / "export.xlsx")
    outcome = load_file(cat, tmp_path / "export.xlsx", "zhang")
    assert outcome.report.conforms and not outcome.written and not outcome.changed and not outcome.new
    assert dataset(cat) == before


@pytest.mark.parametrize("suffix", [".nq", ".trig"])
def test_dump_and_restore_give_an_identical_store(cat, small_xlsx, tmp_path, suffix):
    load_file(cat, small_xlsx, "zhang")
    add_user(cat, "wang", "reviewer")
    dump(cat, tmp_path / f"dump{suffix}")
    copy = restore(tmp_path / "copy", tmp_path / f"dump{suffix}")
    assert dataset(copy) == dataset(cat)           # identical up to blank-node labels, history included
    assert len(copy.graph) == len(cat.graph)
    with pytest.raises(FileExistsError):
        restore(tmp_path / "copy", tmp_path / f"dump{suffix}")


def govcat(*args):
    """The CLI in its own process, as users run it (one process per on-disk store)."""
    return subprocess.run([sys.executable, "-m", "govcat", *map(str, args)], capture_output=True, text=True)


def test_cli_load_query_and_dry_run(tmp_path, small_xlsx):
    store = tmp_path / "s"
    result = govcat("load", small_xlsx, "--store", store, "--as", "zhang")
    assert result.returncode == 0, result.stderr
    assert "新增" in result.stdout
    q = govcat("query", "SELECT (COUNT(?e) AS ?n) WHERE { ?e a <https://w3id.org/govcat/def#InformationResource> }",
               "--store", store, "--format", "csv")
    assert q.returncode == 0 and q.stdout.splitlines() == ["n", "40"]
    refused = govcat("query", "SELECT * WHERE { SERVICE <http://example.org/> { ?s ?p ?o } }", "--store", store)
    assert refused.returncode == 1 and "SERVICE" in refused.stderr
    dry = govcat("load", small_xlsx, "--store", store, "--dry-run")
    assert dry.returncode == 0 and "未变 " in dry.stdout


def test_cli_load_with_violations_exits_1_and_prints_the_report(tmp_path):
    bad = generate_catalogue(tmp_path / "bad.xlsx", entries=40, seed=2, defects=0.2)
    result = govcat("load", bad.path, "--store", tmp_path / "s", "--format", "json")
    assert result.returncode == 1
    assert '"conforms": false' in result.stdout and "未写入" in result.stderr
    assert record_count(Catalogue.open(tmp_path / "s")) == 0


def test_cli_workflow_history_and_users(tmp_path, small_xlsx):
    store = tmp_path / "s"
    assert govcat("load", small_xlsx, "--store", store, "--as", "li").returncode == 0
    token = govcat("user", "add", "wang", "--role", "reviewer", "--store", store).stdout.splitlines()[-1]
    assert len(token) > 30
    assert govcat("user", "add", "li", "--role", "editor", "--store", store).returncode == 0
    code = govcat("query", "SELECT ?c WHERE { ?e a <https://w3id.org/govcat/def#InformationResource> ; "
                  "<http://purl.org/dc/terms/identifier> ?c } ORDER BY ?c LIMIT 1", "--store", store,
                  "--format", "tsv").stdout.splitlines()[1].strip('"')
    assert "待审核" in govcat("submit", code, "--as", "li", "--store", store).stdout
    refused = govcat("return", code, "--as", "wang", "--store", store)
    assert refused.returncode == 1 and "理由" in refused.stderr
    assert "已发布" in govcat("approve", code, "--as", "wang", "--store", store).stdout
    listing = govcat("history", code, "--store", store).stdout
    assert "版本 1" in listing and "submit" in listing and "approve" in listing


def test_a_big_change_is_bulk_loaded_in_parts_and_applying_it_again_gives_the_same_store(tmp_path, monkeypatch):
    """Large journals are bulk-loaded in parts (bounded memory); a crash between parts leaves the journal, which
    is applied again whole when the store is opened: the result is the same as one clean apply."""
    from govcat.catalogue import journal
    from govcat.store import Graph
    monkeypatch.setattr(journal, "BULK_THRESHOLD", 0)
    monkeypatch.setattr(journal, "BULK_PART", 3)
    quads = [f"<urn:s{i}> <urn:p> \"v{i}\" <urn:g{i % 4}> .\n" for i in range(20)]
    graph = Graph(tmp_path / "store")
    graph.load("<urn:old> <urn:p> \"gone\" <urn:g1> .\n", "nq")
    body = "".join(quads)
    text = body + f"#clear <urn:g1>\n#head {len(body.encode())}\n"     # the additions, then the head
    (tmp_path / journal.COMMITTED).write_text(text, encoding="utf-8")
    journal.apply(tmp_path, graph)
    once = sorted(graph.all_quads(), key=repr)
    assert len(once) == 20 and not any(q[0].value == "urn:old" for q in once)
    (tmp_path / journal.COMMITTED).write_text(text, encoding="utf-8")    # as if the process died after a part
    assert journal.recover(tmp_path, graph)
    assert sorted(graph.all_quads(), key=repr) == once


def test_a_diff_names_each_value_by_the_column_of_its_own_sheet():
    """dct:title is 信息资源名称 on an entry and 系统名称 on a system; a data item's description is its own."""
    gc, dct, rdf = "https://w3id.org/govcat/def#", "http://purl.org/dc/terms/", "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
    entry, system, item = "<https://x/id/resource/1>", "<https://x/id/system/S1>", "<https://x/id/resource/1/item/2>"
    old = [f"{entry} <{rdf}> <{gc}InformationResource> .", f'{entry} <{dct}title> "旧名" .',
           f"{system} <{rdf}> <{gc}InformationSystem> .", f'{system} <{dct}title> "系统甲" .',
           f"{item} <{rdf}> <{gc}DataItem> .", f'{item} <{dct}description> "旧说明" .']
    new = [line.replace("旧名", "新名").replace("系统甲", "系统乙").replace("旧说明", "新说明") for line in old]
    shown = diff(old, new)
    assert "-信息资源名称：旧名" in shown and "+信息资源名称：新名" in shown
    assert "+系统名称：系统乙" in shown and "+信息项2 信息项说明：新说明" in shown


def test_a_large_load_stages_on_disk_and_leaves_nothing_behind_when_it_does_not_write(tmp_path, small_csv, csv_copy,
                                                                                     monkeypatch):
    """Above SMALL_WRITE a load streams its additions into a spool file (never in memory): the store it gives
    is the one the in-memory path gives; a dry run or a refused load leaves neither a spool nor a change; a
    spool left by a killed process is thrown away when the store is opened."""
    from govcat.catalogue import journal, loading
    in_memory = Catalogue.open(tmp_path / "memory")
    load_file(in_memory, small_csv, "zhang")
    monkeypatch.setattr(loading, "SMALL_WRITE", 0)
    cat = Catalogue.open(tmp_path / "spooled")
    spools = lambda: list((tmp_path / "spooled").glob(journal.SPOOL_PREFIX + "*"))   # noqa: E731
    empty = dataset(cat)
    assert not load_file(cat, small_csv, "zhang", dry_run=True).written and not spools()
    with pytest.raises(Exception, match="91430000000000000X"):
        load_file(cat, small_csv, "zhang", replace_department="91430000000000000X")
    assert not spools() and dataset(cat) == empty
    assert load_file(cat, small_csv, "zhang").written and not spools()
    assert dataset(cat) == dataset(in_memory)
    entries = rows(csv_copy, "信息资源")             # one entry changed, one dropped: stored records compared
    entries[1][1] += "（修订）"
    write_rows(csv_copy, "信息资源", entries)
    monkeypatch.setattr(loading, "SMALL_WRITE", 1 << 20)
    assert load_file(in_memory, csv_copy, "zhang").changed
    monkeypatch.setattr(loading, "SMALL_WRITE", 0)
    changed = load_file(cat, csv_copy, "zhang")
    assert len(changed.changed) == 1 and not changed.new and dataset(cat) == dataset(in_memory)
    (tmp_path / "spooled" / (journal.SPOOL_PREFIX + "left")).write_bytes(b"<urn:a> <urn:b> <urn:c> .\n")
    del cat
    reopened = Catalogue.open(tmp_path / "spooled")
    assert not spools() and dataset(reopened) == dataset(in_memory)
