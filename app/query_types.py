"""What the server and its SPARQL worker processes exchange (plain data, picklable)."""
from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

from .catalogue.repository import HISTORY_GRAPH, USERS_GRAPH
from .queries import query
from .store import Graph, SerializedResults
from .terms import Term

PUBLIC, INTERNAL, ADMIN = "public", "internal", "admin"
VIEWS = (PUBLIC, INTERNAL, ADMIN)
INTERNAL_HIDDEN = frozenset({USERS_GRAPH})   # what the internal view leaves out (Access.hidden_graphs)


def hide_from_internal(graph: Graph) -> None:
    """Remove from a (writable) copy of the store what the internal view must not show: the users graph,
    and the sharing requests with the content and notes of their versions (purpose, basis, reasons)."""
    rows = graph.select(query("confidential_quads"))
    graph.clear_graphs(INTERNAL_HIDDEN | {r["record"].value for r in rows})
    graph.remove_quads([(r["version"], r["p"], r["o"], HISTORY_GRAPH) for r in rows if r["version"] is not None])


def view_for(access) -> str:
    """The view a caller (a govcat.access.Access) may query."""
    if access.anonymous:
        return PUBLIC
    hidden = access.hidden_graphs()
    if not hidden:
        return ADMIN
    if hidden <= INTERNAL_HIDDEN:
        return INTERNAL
    raise ValueError(f"no view hides exactly {sorted(hidden)}")


@dataclass(frozen=True)
class QueryRequest:
    query: str
    accept: str | None = None
    default_graphs: tuple[str, ...] | None = None   # the protocol's default-graph-uri (None: not given)
    named_graphs: tuple[str, ...] | None = None     # named-graph-uri
    base_iri: str | None = None
    bindings: tuple[tuple[str, Term], ...] = ()     # bound parameters (saved queries), never pasted into text
    view: str = PUBLIC   # what the caller may see: public, internal (tokens) or admin (`view_for(access)`)


@dataclass(frozen=True)
class QueryError:
    """Why a query gave no results. kind: refused (bad request or forbidden feature), forbidden,
    syntax, not_acceptable, timeout, busy or failed."""
    kind: str
    zh: str
    en: str

    @property
    def message(self) -> str:
        return f"{self.zh} / {self.en}"


@dataclass(frozen=True)
class QueryOutcome:
    results: SerializedResults | None = None
    error: QueryError | None = None
    rest: AsyncIterator[bytes] | None = None   # a long answer's later parts (results.body: its first); raises
    #                                            AnswerCut if the answer breaks off (only in the server process)


class AnswerCut(Exception):
    """A long answer broke off after its first parts were sent (the time limit, or its worker died)."""

    def __init__(self, error: QueryError):
        super().__init__(error.message)
        self.error = error


@dataclass(frozen=True)
class UpdateEffect:
    """What a SPARQL Update did on a scratch copy: the new content (N-Triples; None: now empty) of each
    graph it changed, except the protected ones, which are only named."""
    graphs: dict[str, str | None]
    protected: frozenset[str] = frozenset()   # protected graphs it changed (the change is refused)
    default_graph: bool = False               # it changed the default graph (the change is refused)
