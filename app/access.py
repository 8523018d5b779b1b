"""Who may see and write what (issue 4, "Access"). No HTTP here: `govcat.web.auth` turns a bearer token
into an `Access`, and every route asks it.

- anonymous: only what the open-data feed shows — published entries open to the public (public_entries.rq);
- viewer: the whole internal catalogue, read only;
- editor: reads everything; writes only the records of their own department;
- reviewer: reads everything; moves entries through the review workflow;
- admin: everything, SPARQL Update and the accounts included.
"""
from __future__ import annotations

from dataclasses import dataclass

from .catalogue.repository import HISTORY_GRAPH, USERS_GRAPH, Catalogue
from .catalogue.users import User
from .queries import query
from .terms import iri


@dataclass(frozen=True)
class Access:
    user: User | None = None

    @property
    def anonymous(self) -> bool:
        return self.user is None

    @property
    def internal(self) -> bool:
        """May read the internal catalogue (every record, drafts included, and the history)."""
        return self.user is not None

    @property
    def admin(self) -> bool:
        return self.user is not None and self.user.role == "admin"

    def may_write(self, department: str | None) -> bool:
        """May create, change or delete a record owned by `department` (its IRI; None: owner unknown)."""
        if self.user is None:
            return False
        if self.user.role == "admin":
            return True
        return self.user.role == "editor" and department is not None and department == self.user.department

    def hidden_graphs(self) -> frozenset[str]:
        """Graphs this caller may never read, whatever else it may (the accounts' token digests)."""
        return frozenset() if self.admin else frozenset({USERS_GRAPH})


ANONYMOUS = Access()


def public_entries(cat: Catalogue) -> list[str]:
    """IRIs of the entries everyone may see."""
    return [row["entry"].value for row in cat.graph.select(query("public_entries"))]


def is_public(cat: Catalogue, record: str) -> bool:
    return bool(cat.graph.select(query("public_entries"), {"entry": iri(record)}))


__all__ = ["ANONYMOUS", "Access", "HISTORY_GRAPH", "is_public", "public_entries"]
