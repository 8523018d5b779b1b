"""The list of public entries the open-data feed pages through (govcat.public_listing): the rows of
queries/dcat_public_entries.rq on the public view, in code order, kept in step with the view's writes, its
catch-up after a restart and its rebuilds; pages found by offset and by the previous page's last row agree."""
from __future__ import annotations

import sqlite3

from test_sparql_access import DRAFT_TITLE, entry_copy, public_view_over, published
from govcat.catalogue.loading import load_loaded
from govcat.catalogue.workflow import transition
from govcat.loaders import Loaded
from govcat.public_listing import FILE, PublicListing
from govcat.public_view import PublicView
from govcat.queries import query
from govcat.store import Graph

GC = "https://w3id.org/govcat/def#"
DCT = "http://purl.org/dc/terms/"


def expected(view: PublicView) -> list[tuple[str, str, str]]:
    """(code, entry, modified) of every public entry, straight from the view, one row per entry, in code order."""
    rows = {}
    for r in view.graph.select(query("dcat_public_entries")):
        rows.setdefault(r["entry"].value, (r["code"].value, r["entry"].value,
                                           r["modified"].value if r["modified"] is not None else ""))
    return sorted(rows.values())


def listed(listing: PublicListing, **options) -> list[tuple[str, str, str]]:
    return [(x.code, x.iri, x.modified) for x in listing.scan(**options)]


def test_the_listing_follows_the_view_its_catch_up_and_its_rebuilds(small_xlsx, tmp_path):
    cat, view = public_view_over(small_xlsx, tmp_path)
    before = expected(view)
    assert len(before) >= 5 and listed(view.listing) == before and view.listing.count() == len(before)
    assert listed(view.listing, chunk=2) == before

    # pages: by offset (a reader that saw no page before) and by the last row of the page before agree
    fresh = PublicListing(cat.folder / FILE, read_only=True)
    for offset in range(0, len(before), 2):
        page = [(x.code, x.iri, x.modified) for x in view.listing.rows(offset, 2)]   # after the first: by key
        assert page == before[offset:offset + 2]
        assert [(x.code, x.iri, x.modified) for x in fresh.rows(offset, 2)] == page
    fresh.close()
    day = before[0][2][:10]
    assert view.listing.count(day) == sum(1 for row in before if row[2][:10] >= day)
    assert view.listing.count("2999-01-01") == 0 and view.listing.rows(0, 5, "2999-01-01") == []
    assert view.listing.latest() == max(row[2] for row in before)[:10]
    code, entry, _ = before[3]
    assert view.listing.by_code(code).iri == entry and view.listing.contains(entry)

    transition(cat, code, "withdraw", "reviewer")         # 已下线: out of the view, out of the list
    assert not view.listing.contains(entry) and listed(view.listing) == expected(view) == before[:3] + before[4:]
    assert view.listing.by_code(code) is None

    cat.listeners.clear()                                  # no server: a change the view does not see
    view.close()
    new = load_loaded(cat, Loaded("m", ntriples=entry_copy(cat, published(cat, True), "999993", DRAFT_TITLE),
                                  rdf_format="nt"), "loader", publish=True).new[0]
    view = PublicView(cat.graph, cat.folder)
    view.open()                                            # the catch-up adds its row
    assert view.listing.contains(new) and listed(view.listing) == expected(view)
    view.close()

    (cat.folder / FILE).unlink()                           # lost: rebuilt from the view
    view = PublicView(cat.graph, cat.folder)
    view.open()
    assert listed(view.listing) == expected(view)
    view.close()
    with sqlite3.connect(cat.folder / FILE) as db:         # a rebuild that did not finish: done again
        db.execute("DELETE FROM entries WHERE entry = ?", (new,))
        db.execute("UPDATE meta SET value = '0' WHERE key = 'built'")
    view = PublicView(cat.graph, cat.folder)
    view.open()
    assert view.listing.built and view.listing.contains(new) and listed(view.listing) == expected(view)
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
