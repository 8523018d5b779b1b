"""Handles on a checkpoint replaced after a bounded number of records (govcat.checkpoint_reader): the budget,
a handle retired while in use closed only when its reader is done, and the public view's checkpoints of the
query service followed as the catalogue changes (the old one let go, then collected)."""
from __future__ import annotations

from govcat.catalogue import Catalogue
from govcat.catalogue.loading import load_file
from govcat.catalogue.users import add_user
from govcat.catalogue.workflow import transition
from govcat.checkpoint_reader import OneFolder, Recycled
from govcat.query_service import QueryService
from govcat.query_types import PUBLIC, QueryRequest
from govcat.queries import query
from govcat.store import Graph


class Counted(OneFolder):
    def __init__(self, path):
        super().__init__(path)
        self.held = self.released = 0

    def hold(self, view):
        self.held += 1
        return super().hold(view)

    def let_go(self, token):
        self.released += 1


def test_a_handle_is_replaced_after_its_budget_and_closed_when_its_last_reader_is_done(tmp_path):
    store = Graph(tmp_path / "store")
    store.load('<urn:a> <urn:p> "1" <urn:g> .\n', "nq")
    store.flush()
    del store
    source = Counted(tmp_path / "store")
    reader = Recycled(source, PUBLIC, budget=3)
    with reader.reading(2) as first:
        assert first.ask("ASK { GRAPH ?g { <urn:a> <urn:p> ?o } }")
    with reader.reading(1) as same:
        assert same is first and reader.opened == 1
    with reader.reading(5) as busy:              # the budget was spent: a new handle
        assert busy is not first and reader.opened == 2 and source.released == 1
        with reader.reading(1) as other:         # spent again while `busy` is in use: replaced, not closed
            assert other is not busy and reader.opened == 3
            assert source.released == 1 and busy.ask("ASK { GRAPH ?g { <urn:a> <urn:p> ?o } }")
        assert source.released == 1
    assert source.released == 2                  # `busy` closed once its reader was done
    reader.close()
    assert source.released == 3 and source.held == 3


def test_the_feed_reader_follows_the_public_view_checkpoints(small_xlsx, tmp_path):
    cat = Catalogue.open(tmp_path / "store")
    load_file(cat, small_xlsx, "loader", publish=True)
    add_user(cat, "reviewer", "reviewer")
    queries = QueryService(cat.graph, cat.folder, workers=1)
    queries.start()
    try:
        cat.listeners.append(queries.refresh)
        reader = Recycled(queries, PUBLIC, budget=10**6)
        with reader.reading() as graph:
            before = {r["entry"].value: r["code"].value for r in graph.select(query("dcat_public_entries"))}
        first = queries.checkpoints[PUBLIC]
        with reader.reading():
            assert reader.opened == 1
        entry, code = sorted(before.items())[0]
        transition(cat, code, "withdraw", "reviewer")       # out of the public view: a new checkpoint of it
        assert queries.checkpoints[PUBLIC] != first and first.exists()   # still held by the reader
        with reader.reading() as graph:
            after = {r["entry"].value for r in graph.select(query("dcat_public_entries"))}
        assert reader.opened == 2 and after == set(before) - {entry}
        assert queries.run(QueryRequest("ASK {}", view=PUBLIC)).results   # the worker moves on too …
        assert not first.exists()                          # … so the old checkpoint, let go, is collected
        reader.close()
    finally:
        queries.close()
