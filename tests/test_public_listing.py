"""What the open-data feed reads (govcat.public_listing): the rows of queries/dcat_public_entries.rq on the public
view in code order with each entry's facts, the facts of the view's departments and the code lists' concepts, kept
in step with the view's writes, its catch-up after a restart and its rebuilds, and exactly as read from the view
itself; pages found by offset and by the previous page's last row agree; a listing of an older layout is rebuilt."""
from __future__ import annotations

import json
import sqlite3
import zlib

from test_sparql_access import DRAFT_TITLE, entry_copy, public_view_over, published
from govcat.catalogue.loading import load_loaded
from govcat.catalogue.repository import CODELISTS_GRAPH, is_admin_line
from govcat.catalogue.workflow import transition
from govcat.dcat.feed import Feed
from govcat.dcat.model import concept_rows, department_facts, entry_facts
from govcat.loaders import Loaded
from govcat.public_listing import FILE, PublicListing
from govcat.public_view import FOLDER, PublicView
from govcat.queries import query
from govcat.store import Graph

GC = "https://w3id.org/govcat/def#"
DCT = "http://purl.org/dc/terms/"
SKOS = "http://www.w3.org/2004/02/skos/core#"


def unpacked(facts: bytes) -> dict:
    """Packed facts (zlib-compressed JSON) with each predicate's values in order."""
    found = json.loads(zlib.decompress(facts))
    if "own" in found:
        found["own"] = {p: sorted(values) for p, values in found["own"].items()}
    return found


def expected(view: PublicView) -> list[tuple[str, str, str, dict]]:
    """(code, entry, modified, facts) of every public entry, straight from the view, one row per entry, in code
    order."""
    rows = {}
    for r in view.graph.select(query("dcat_public_entries")):
        rows.setdefault(r["entry"].value, (r["code"].value, r["entry"].value,
                                           r["modified"].value if r["modified"] is not None else ""))
    facts = entry_facts(view.graph, sorted(rows))
    return sorted((*row, unpacked(facts[row[1]])) for row in rows.values())


def listed(listing: PublicListing, **options) -> list[tuple[str, str, str, dict]]:
    return [(x.code, x.iri, x.modified, unpacked(x.facts)) for x in listing.scan(**options)]


def departments(folder) -> dict[str, dict]:
    with sqlite3.connect(folder / FILE) as db:
        return {dept: unpacked(facts) for dept, facts in db.execute("SELECT dept, facts FROM departments")}


def expected_departments(view: PublicView) -> dict[str, dict]:
    found = {dept: department_facts(view.graph, dept) for dept in view.graph.graph_names()}
    return {dept: unpacked(facts) for dept, facts in found.items() if facts is not None}


def in_step(cat, view: PublicView) -> bool:
    """The listing holds exactly what the view holds: its entries with their facts, its departments, its concepts."""
    return (listed(view.listing) == expected(view) and departments(cat.folder) == expected_departments(view)
            and sorted(view.listing.concepts()) == sorted(concept_rows(view.graph)))


def test_the_listing_follows_the_view_its_catch_up_and_its_rebuilds(small_xlsx, tmp_path):
    cat, view = public_view_over(small_xlsx, tmp_path)
    before = expected(view)
    assert len(before) >= 5 and in_step(cat, view) and view.listing.count() == len(before)
    assert len(departments(cat.folder)) >= 1 and len(view.listing.concepts()) > 100
    assert listed(view.listing, chunk=2) == before

    # pages: by offset (a reader that saw no page before) and by the last row of the page before agree
    fresh = PublicListing(cat.folder / FILE, read_only=True)
    for offset in range(0, len(before), 2):
        page = [(x.code, x.iri, x.modified, unpacked(x.facts)) for x in view.listing.rows(offset, 2)]   # then by key
        assert page == before[offset:offset + 2]
        assert [(x.code, x.iri, x.modified, unpacked(x.facts)) for x in fresh.rows(offset, 2)] == page
    fresh.close()
    day = before[0][2][:10]
    assert view.listing.count(day) == sum(1 for row in before if row[2][:10] >= day)
    assert view.listing.count("2999-01-01") == 0 and view.listing.rows(0, 5, "2999-01-01") == []
    assert view.listing.latest() == max(row[2] for row in before)[:10]
    code, entry, _, _ = before[3]
    assert view.listing.by_code(code).iri == entry and view.listing.contains(entry)
    for needle in ("信息", before[1][3]["own"][DCT + "title"][0][1:][:3].lower(), "没有这样的词"):   # /catalog?q=
        texts = {row[1]: " ".join(t[1:].lower() for p in (DCT + "title", DCT + "description")
                                  for t in row[3]["own"].get(p, [])) for row in before}
        wanted = [row[1] for row in before if needle in texts[row[1]]]
        assert view.listing.matching_count(needle) == len(wanted) and (needle == "没有这样的词") == (not wanted)
        assert [x.iri for x in view.listing.matching(needle, 0, 1000)] == wanted
        since = [row[1] for row in before if row[1] in wanted and row[2] >= day]
        assert view.listing.matching_count(needle, day) == len(since)
        assert [x.iri for x in view.listing.matching(needle, 1, 2, day)] == since[1:3]

    transition(cat, code, "withdraw", "reviewer")         # 已下线: out of the view, out of the list
    assert not view.listing.contains(entry) and listed(view.listing) == expected(view) == before[:3] + before[4:]
    assert view.listing.by_code(code) is None and in_step(cat, view)

    # an edit of an entry and of its department: their facts follow, and so does the feed
    code, entry, _, _ = before[0]
    feed = Feed(view.listing)
    dept = feed.by_code(code).publisher.iri
    name = feed.by_code(code).publisher.name
    label = next(line for line in cat.record_lines(dept) if line.startswith(f"<{dept}> <{SKOS}prefLabel> "))

    def edit(record: str, start: str, line: str) -> bool:
        """The record with its line starting `start` replaced by `line`, loaded and published again."""
        lines = [line if old.startswith(start) else old
                 for old in cat.record_lines(record) if not is_admin_line(old)]
        return load_loaded(cat, Loaded("edit", ntriples="\n".join(lines) + "\n", rdf_format="nt"), "loader",
                           publish=True).written

    assert edit(entry, f"<{entry}> <{DCT}title> ", f'<{entry}> <{DCT}title> "户籍人口信息（改）"@zh .')
    assert edit(dept, f"<{dept}> <{SKOS}prefLabel> ", f'<{dept}> <{SKOS}prefLabel> "改名后的部门"@zh .')
    assert in_step(cat, view)
    assert feed.by_code(code).title == "户籍人口信息（改）" and feed.by_code(code).publisher.name == "改名后的部门"
    assert edit(dept, f"<{dept}> <{SKOS}prefLabel> ", label)    # named back
    assert in_step(cat, view) and feed.by_code(code).publisher.name == name

    cat.listeners.clear()                                  # no server: a change the view does not see
    view.close()
    new = load_loaded(cat, Loaded("m", ntriples=entry_copy(cat, published(cat, True), "999993", DRAFT_TITLE),
                                  rdf_format="nt"), "loader", publish=True).new[0]
    view = PublicView(cat.graph, cat.folder)
    view.open()                                            # the catch-up adds its row
    assert view.listing.contains(new) and in_step(cat, view)
    view.close()

    (cat.folder / FILE).unlink()                           # lost: rebuilt from the view
    view = PublicView(cat.graph, cat.folder)
    view.open()
    assert in_step(cat, view)
    view.close()
    with sqlite3.connect(cat.folder / FILE) as db:         # a rebuild that did not finish: done again
        db.execute("DELETE FROM entries WHERE entry = ?", (new,))
        db.execute("UPDATE meta SET value = '0' WHERE key = 'built'")
    view = PublicView(cat.graph, cat.folder)
    view.open()
    assert view.listing.built and view.listing.contains(new) and in_step(cat, view)
    view.close()
    with sqlite3.connect(cat.folder / FILE) as db:         # the layout before facts were kept: replaced, rebuilt
        db.executescript("DROP TABLE entries; DROP TABLE departments; DROP TABLE concepts; PRAGMA user_version = 0;"
                         "CREATE TABLE entries (entry TEXT PRIMARY KEY, code TEXT NOT NULL, modified TEXT NOT NULL);")
    view = PublicView(cat.graph, cat.folder)
    view.open()
    assert view.listing.built and in_step(cat, view)
    view.close()

    stale = Graph(cat.folder / FOLDER)                     # the view's code lists out of date: replaced at the next
    stale.clear_graphs([CODELISTS_GRAPH])                  # start, and the concepts the feed reads with them
    stale = None
    with sqlite3.connect(cat.folder / FILE) as db:
        db.execute("DELETE FROM concepts")
    view = PublicView(cat.graph, cat.folder)
    view.open()
    assert len(view.listing.concepts()) > 100 and in_step(cat, view)
    view.close()


def test_an_entry_with_two_codes_is_listed_once(tmp_path):
    graph = Graph()
    entry = "https://example.org/resource/1"
    lines = [f"<{entry}> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <{GC}InformationResource> <{entry}> .",
             f"<{entry}> <{GC}workflowState> <https://w3id.org/govcat/code/workflow-state/3> <{entry}> .",
             f'<{entry}> <{GC}openToPublic> "true"^^<http://www.w3.org/2001/XMLSchema#boolean> <{entry}> .',
             f'<{entry}> <{DCT}identifier> "101001/000002" <{entry}> .',
             f'<{entry}> <{DCT}identifier> "101001/000001" <{entry}> .']
    graph.load("\n".join(lines) + "\n", "nq")
    listing = PublicListing(tmp_path / FILE)
    listing.rebuild(graph)
    assert listing.count() == 1 and listing.rows(0, 10)[0].modified == ""
    listing.update(graph, [entry])
    assert listing.count() == 1 and listing.latest() is None
    graph.clear_graphs([entry])
    listing.update(graph, [entry])
    assert listing.count() == 0 and listing.rows(0, 10) == []
    listing.close()


def test_the_feed_is_answered_while_the_index_is_rewritten_and_never_with_an_entry_that_left(small_xlsx, tmp_path,
                                                                                             monkeypatch):
    """An index rewritten in steps: the facts of each batch are read with the index free for the feed, and the
    entries that are no longer public are gone before the first batch is written (rebuild and update alike)."""
    import govcat.public_listing as public_listing

    cat, view = public_view_over(small_xlsx, tmp_path)
    before = expected(view)
    seen: list[tuple[bool, bool, int]] = []        # per batch: index free, withdrawn entries still listed, count
    read = public_listing.entry_facts
    withdrawn: list[str] = []

    def watched(graph, records):
        free = view.listing._lock.acquire(blocking=False)
        if free:
            view.listing._lock.release()
            seen.append((True, any(view.listing.contains(e) for e in withdrawn), view.listing.count()))
        else:
            seen.append((False, True, -1))
        return read(graph, records)

    monkeypatch.setattr(public_listing, "entry_facts", watched)
    monkeypatch.setattr(public_listing, "_BATCH", 2)
    cat.listeners.clear()                     # the view follows only when told to, below
    code, entry, _, _ = before[0]
    transition(cat, code, "withdraw", "reviewer")
    withdrawn.append(entry)
    view.sync(None)                            # a change of unknown extent: the index is rebuilt
    assert len(seen) >= 3 and all(free and not listed for free, listed, _count in seen), seen
    assert in_step(cat, view) and len(listed(view.listing)) == len(before) - 1

    seen.clear()
    code, entry, _, _ = before[1]
    transition(cat, code, "withdraw", "reviewer")
    withdrawn.append(entry)
    view.sync([entry] + [row[1] for row in before[2:6]])      # a few records: their rows are updated
    assert len(seen) == 2 and all(free and not listed for free, listed, _count in seen), seen
    assert in_step(cat, view) and len(listed(view.listing)) == len(before) - 2
    view.close()
