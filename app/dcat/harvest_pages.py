"""Reading a DCAT feed for `govcat harvest` (govcat.dcat.harvest): its pages, fetched ahead in a thread and
followed by Hydra `next`, and each page's datasets as records — a dataset's triples and those of the nodes it
owns, as canonical N-Triples lines, blank nodes named by a digest of their content."""
from __future__ import annotations

import hashlib
import queue
import re
import threading
import urllib.request
from collections import defaultdict
from pathlib import Path

from ..namespaces import DCAT, DCT, RDF_TYPE
from ..queries import query
from ..store import Graph, RdfSyntaxError
from ..terms import nt_iri, nt_literal
from .rdf import HYDRA

ACCEPT = "text/turtle, application/rdf+xml;q=0.9, application/ld+json;q=0.8, application/n-triples;q=0.7"
MEDIA = {"text/turtle": "ttl", "application/x-turtle": "ttl", "application/rdf+xml": "rdf",
         "application/xml": "rdf", "text/xml": "rdf", "application/ld+json": "jsonld", "application/json": "jsonld",
         "application/n-triples": "nt", "text/plain": "nt"}
EXTENSIONS = {".ttl": "ttl", ".rdf": "rdf", ".xml": "rdf", ".jsonld": "jsonld", ".json": "jsonld", ".nt": "nt"}
NOT_OWNED = {DCAT + "Dataset", DCAT + "Catalog", DCAT + "CatalogRecord", HYDRA + "PartialCollectionView",
             HYDRA + "Collection", HYDRA + "PagedCollection"}
DEPTH = 2
AHEAD = 3             # pages read ahead of the one being processed


# -- fetching ------------------------------------------------------------------------------------------
def fetch(url: str, timeout: float = 60.0) -> Graph:
    """One page as a scratch graph. Raises OSError (HTTP, network) or RdfSyntaxError."""
    request = urllib.request.Request(url, headers={"Accept": ACCEPT, "User-Agent": "govcat-harvest"})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        body = response.read()
        media = (response.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        final = response.geturl()
    fmt = MEDIA.get(media) or EXTENSIONS.get(Path(url.split("?")[0]).suffix.lower()) or "ttl"
    graph = Graph()
    graph.load(body, fmt, base_iri=final)
    return graph


def pages(url: str, ahead: int = AHEAD):
    """(page URL, graph or the error) for each page, following hydra:next; stops at the first error. A thread
    reads up to `ahead` pages beyond the one the caller works on, so the source never waits for the harvester."""
    found: queue.Queue = queue.Queue(maxsize=ahead)
    stop = threading.Event()

    def put(item) -> bool:
        while not stop.is_set():
            try:
                found.put(item, timeout=0.2)
                return True
            except queue.Full:
                continue
        return False

    def read(url: str | None) -> None:
        seen: set[str] = set()
        try:
            while url and url not in seen:
                seen.add(url)
                try:
                    graph = fetch(url)
                except (OSError, RdfSyntaxError, ValueError) as exc:
                    put((url, exc))
                    return
                current, url = url, _next(graph, url)
                if not put((current, graph)):
                    return
        except BaseException as exc:        # anything else ends the run in the caller, as before
            put((url, exc))
        finally:
            put(None)
    reader = threading.Thread(target=read, args=(url,), name="harvest-fetch", daemon=True)
    reader.start()
    try:
        while (item := found.get()) is not None:
            if isinstance(item[1], BaseException) and not isinstance(item[1], (OSError, RdfSyntaxError, ValueError)):
                raise item[1]
            yield item
            if isinstance(item[1], BaseException):
                return
    finally:
        stop.set()        # the reader stops at its next page (not waited for: it may be in a slow request)


def _next(graph: Graph, url: str) -> str | None:
    found = None
    for row in graph.select(query("harvest_next")):
        if row["view"].value == url:
            return row["next"].value
        found = found or row["next"].value
    return found


# -- one page → records -------------------------------------------------------------------------------
# The page is read as canonical N-Triples lines (the form stored lines are compared in): terms stay text.
TYPE, DATASET = nt_iri(RDF_TYPE), nt_iri(DCAT + "Dataset")
MODIFIED, IDENTIFIER, TITLE = nt_iri(DCT + "modified"), nt_iri(DCT + "identifier"), nt_iri(DCT + "title")
NOT_OWNED_NT = {nt_iri(c) for c in NOT_OWNED}
_ESCAPE = re.compile(r'\\(?:u([0-9A-Fa-f]{4})|U([0-9A-Fa-f]{8})|(.))')
_UNESCAPED = {"t": "\t", "b": "\b", "n": "\n", "r": "\r", "f": "\f", '"': '"', "'": "'", "\\": "\\"}


def page_records(graph: Graph, source: str, known=None) -> dict[str, tuple[list[str] | None, str | None]]:
    """dataset IRI -> (its N-Triples lines, its dct:modified) for every dcat:Dataset of the page. The lines are
    None (not gathered) for a dataset for which `known(IRI, modified)` is true (stored with that date)."""
    out_edges: dict[str, list[tuple[str, str]]] = defaultdict(list)
    types: dict[str, set[str]] = defaultdict(set)
    for line in graph.serialize("nt").decode("utf-8").splitlines():
        s, p, o = line[:-2].split(" ", 2)
        out_edges[s].append((p, o))
        if p == TYPE and o[0] == "<":
            types[s].add(o)
    owned: dict[str, list[str]] = {}       # node -> the nodes it names that the page describes (not a dataset …)
    plain: dict[str, list[str] | None] = {}   # IRI node -> its lines, when they name no blank node (any record)
    records = {}
    for node, classes in list(types.items()):
        if DATASET not in classes:
            continue
        name = node[1:-1] if node[0] == "<" else _minted(source, out_edges[node])
        modified = next((_value(o) for p, o in out_edges[node] if p == MODIFIED and o[0] == '"'), None)
        if known is not None and known(name, modified):
            records[name] = (None, modified)
            continue
        digests: dict[str, str] = {}

        def skolem(term: str) -> str:
            if not term.startswith("_:"):
                return term
            if term not in digests:
                digests[term] = f"<{name}#b-{_digest(term, out_edges, set())[:16]}>"
            return digests[term]
        lines: set[str] = set()
        todo, done = [(node, 0)], set()
        while todo:
            subject, depth = todo.pop()
            if subject in done:
                continue
            done.add(subject)
            if subject != node and subject[0] == "<":
                if subject not in plain:
                    edges = out_edges[subject]
                    plain[subject] = None if any(o.startswith("_:") for _p, o in edges) else \
                        [f"{subject} {p} {o} ." for p, o in edges]
                shared = plain[subject]
            else:
                shared = None
            if shared is not None:
                lines.update(shared)
            else:
                head = nt_iri(name) if subject == node else skolem(subject)
                lines.update(f"{head} {p} {skolem(o)} ." for p, o in out_edges[subject])
            if subject not in owned:
                owned[subject] = [o for _p, o in out_edges[subject]
                                  if o in out_edges and not (types.get(o, set()) & NOT_OWNED_NT)]
            for o in owned[subject]:
                if o not in done:
                    if o.startswith("_:"):
                        todo.append((o, depth))
                    elif depth < DEPTH:
                        todo.append((o, depth + 1))
        records[name] = (sorted(lines), modified)
    return records


def _value(term: str) -> str:
    """The value of a term in N-Triples: an IRI without its brackets, a literal's lexical form."""
    if term[0] == "<":
        return term[1:-1]
    if term.startswith("_:"):
        return term[2:]
    text = term[1:term.rindex('"')]
    return _ESCAPE.sub(lambda m: chr(int(m[1] or m[2], 16)) if m[1] or m[2] else _UNESCAPED.get(m[3], m[3]), text) \
        if "\\" in text else text


def _digest_form(term: str) -> str:
    """A term as the digests of blank nodes have always spelt it (govcat.terms.nt_literal: only \\, ", LF and
    CR escaped), so that records harvested before keep their IRIs."""
    if term[0] != '"' or "\\" not in term:
        return term
    end = term.rindex('"')
    return nt_literal(_value(term)) + term[end + 1:]


def _digest(node: str, edges, path: set) -> str:
    parts = []
    for p, o in edges.get(node, []):
        if o.startswith("_:"):
            inner = "cycle" if o in path else _digest(o, edges, path | {node})
            parts.append(f"{p[1:-1]} [{inner}]")
        else:
            parts.append(f"{p[1:-1]} {_digest_form(o)}")
    return hashlib.sha256("\n".join(sorted(parts)).encode("utf-8")).hexdigest()


def _minted(source: str, edges) -> str:
    key = next((_value(o) for p, o in edges if p == IDENTIFIER), None) \
        or next((_value(o) for p, o in edges if p == TITLE), "")
    return f"{source}/dataset/{hashlib.sha256(key.encode('utf-8')).hexdigest()[:24]}"


__all__ = ["TYPE", "fetch", "page_records", "pages"]
