"""The search index: tantivy over jieba tokens, in `STORE/search/`, derived from the store.

    index = SearchIndex.open(cat)        # built if missing, caught up if the store changed without it
    cat.listeners.append(index.changed)  # then kept current by every commit
    index.search("户籍", page=1, filters={"sharing_type": ["无条件共享"]}, internal=False)

Kept current. Each commit's listener re-reads the record graphs the change touched (`ChangeSet.clear`, and
the graphs of removed quads): an entry's document is replaced or deleted. A department changes the
in-memory table that names providers (documents hold the provider's IRI, names are looked up when
answering, so renaming one re-indexes nothing); when its 市州 changes, its entries are re-indexed. The
index is committed before the write returns, so a withdrawn entry is never found by the public after it.

Stamp. `state.json` holds the number of versions in the store's history when the index was last in step
(every record write adds exactly one version per record, and versions are never removed) and the time of
that moment. On opening, a different count means that something wrote the store without this index
listening (`govcat load`, `approve` … while the server was down, or a crash between the two commits): the
records with a version made since that time (less a margin) are re-read, or, past REBUILD_ABOVE of them (or
a quarter of the documents), the whole index is rebuilt. A missing or unreadable index, or one of an older
FORMAT, is rebuilt.
"""
from __future__ import annotations

import datetime as dt
import json
import logging
import os
import shutil
import threading
import time
from pathlib import Path

import tantivy

from ..catalogue.journal import ChangeSet
from ..catalogue.repository import GRAPHS, Catalogue
from ..namespaces import XSD
from ..queries import query
from ..store import Graph
from ..terms import literal
from . import text
from .documents import (FACETS, Department, EntryDoc, provider_entries, read_departments, read_entries, texts,
                        tokens)

log = logging.getLogger("govcat.search")

FOLDER, STATE = "search", "state.json"
FORMAT = 2                  # bump when the schema or the tokenization changes: old indexes are rebuilt
REBUILD_ABOVE = 2000        # records to re-read past which rebuilding is faster (or a quarter of the documents)
MARGIN = dt.timedelta(seconds=2)   # versions carry whole seconds

WORD_FIELDS = ("title_words", "abstract_words", "items_words")
GRAM_FIELDS = ("title_grams", "body_grams")
FACET_FIELDS = tuple(dict.fromkeys(f.field for f in FACETS))


def build_schema() -> tantivy.Schema:
    builder = tantivy.SchemaBuilder()
    builder.add_text_field("iri", tokenizer_name="raw", index_option="basic")
    builder.add_text_field("code", tokenizer_name="raw", index_option="basic", fast=True)
    builder.add_text_field("public", tokenizer_name="raw", index_option="basic")
    for name in WORD_FIELDS:      # tokens joined by spaces (lowercased, no punctuation): whitespace tokenizer
        builder.add_text_field(name, tokenizer_name="whitespace", index_option="freq")
    for name in GRAM_FIELDS:      # phrases need positions
        builder.add_text_field(name, tokenizer_name="whitespace", index_option="position")
    for name in FACET_FIELDS:
        builder.add_text_field(name, tokenizer_name="raw", index_option="basic", fast=True)
    builder.add_bytes_field("data", stored=True)
    return builder.build()


_FIELD, _ITEM = "\x1f", "\x1e"           # separators of the stored fields (control characters are dropped)
_CONTROL = str.maketrans("", "", _FIELD + _ITEM)


def pack(doc: EntryDoc) -> bytes:
    """What a result shows, stored with the document: code, title, abstract, provider, item names."""
    values = [doc.code, doc.title, doc.abstract, doc.facets.get("provider", "")]
    values.append(_ITEM.join(i.translate(_CONTROL) for i in doc.items))
    return _FIELD.join(v.translate(_CONTROL) if i < 4 else v for i, v in enumerate(values)).encode("utf-8")


def unpack(data: bytes) -> dict:
    code, title, abstract, provider, items = data.decode("utf-8").split(_FIELD)
    return {"code": code, "title": title, "abstract": abstract, "provider": provider,
            "items": items.split(_ITEM) if items else []}


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0)


def versions_in(change: ChangeSet) -> int:
    """How many versions a change adds to the history (one gc:versionOf triple each)."""
    return change.versions


def store_versions(graph: Graph) -> int:
    rows = graph.select(query("search_versions"))
    return int(rows[0]["n"].value) if rows else 0


class IndexUnavailable(RuntimeError):
    """The index could not follow a write: it must be rebuilt before it answers again."""


class SearchIndex:
    def __init__(self, cat: Catalogue):
        self.cat, self.graph = cat, cat.graph
        self.path = Path(cat.folder) / FOLDER
        self.schema = build_schema()
        self.index: tantivy.Index | None = None
        self.writer = None
        self.departments: dict[str, Department] = {}
        self.broken = False
        self.versions = 0                    # versions in the store's history the index has followed
        self._lock = threading.Lock()        # writers only; searches read the last committed state

    # -- life cycle --------------------------------------------------------------------------------------------
    @classmethod
    def open(cls, cat: Catalogue) -> "SearchIndex":
        """The catalogue's index, built when missing or outdated, caught up when the store changed without it."""
        text.prepare()
        self = cls(cat)
        state = self._read_state()
        if state is None or state.get("format") != FORMAT or not self._open_existing():
            self.rebuild()
            return self
        self.departments = read_departments(self.graph)
        count = store_versions(self.graph)
        if count != state.get("versions"):
            started = _now()
            since = dt.datetime.fromisoformat(state["synced"]) - MARGIN
            rows = self.graph.select(query("changed_since"),
                                     {"since": literal(since.isoformat().replace("+00:00", "Z"), XSD + "dateTime")})
            records = [row["record"].value for row in rows]
            log.info("检索索引追赶 %d 条记录 / search index catching up with %d records", len(records), len(records))
            if len(records) > self._rebuild_above():
                self.close()
                self.rebuild()
                return self
            self._apply(records, departments_changed=True)
            self._write_state(count, started)
        self.versions = count
        return self

    def _open_existing(self) -> bool:
        try:
            if not tantivy.Index.exists(str(self.path)) or not tantivy.Index.is_compatible(str(self.path)):
                return False
            self.index = tantivy.Index(self.schema, path=str(self.path), reuse=True)
            self.index.reload()
            return True
        except (OSError, ValueError) as exc:
            log.warning("检索索引无法打开，将重建：%s / search index unreadable, rebuilding", exc)
            self.index = None
            return False

    def rebuild(self) -> int:
        """Build the index from the store into a new folder and swap it in; the number of entries."""
        self.close()
        started, began = _now(), time.perf_counter()
        count = store_versions(self.graph)
        fresh = self.path.with_name(FOLDER + ".new")
        shutil.rmtree(fresh, ignore_errors=True)
        fresh.mkdir(parents=True)
        index = tantivy.Index(self.schema, path=str(fresh), reuse=False)
        writer = index.writer(heap_size=200_000_000, num_threads=2)
        self.departments = read_departments(self.graph)
        docs = read_entries(self.graph, self.departments)
        table = text.words_table(texts(docs))
        for doc in docs:
            writer.add_document(self._document(doc, table))
        del table
        writer.commit()
        writer.wait_merging_threads()
        del writer, index
        old = self.path.with_name(FOLDER + ".old")
        shutil.rmtree(old, ignore_errors=True)
        if self.path.exists():
            os.rename(self.path, old)
        os.rename(fresh, self.path)
        shutil.rmtree(old, ignore_errors=True)
        self.index = tantivy.Index(self.schema, path=str(self.path), reuse=True)
        self.index.reload()
        self._write_state(count, started)
        self.broken = False
        log.info("检索索引已重建：%d 条信息资源，%.1f 秒 / search index rebuilt: %d entries in %.1f s",
                 len(docs), time.perf_counter() - began, len(docs), time.perf_counter() - began)
        return len(docs)

    def close(self) -> None:
        with self._lock:
            self.writer = None
            self.index = None

    # -- state -------------------------------------------------------------------------------------------------
    def _read_state(self) -> dict | None:
        try:
            return json.loads((self.path / STATE).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None

    def _write_state(self, versions: int, synced: dt.datetime) -> None:
        self.versions = versions
        tmp = self.path / (STATE + ".tmp")
        tmp.write_text(json.dumps({"format": FORMAT, "versions": versions, "synced": synced.isoformat()}),
                       encoding="utf-8")
        os.replace(tmp, self.path / STATE)

    # -- writes ------------------------------------------------------------------------------------------------
    def _document(self, doc: EntryDoc, table: dict | None = None) -> tantivy.Document:
        fields: dict[str, object] = {"iri": doc.iri, "code": doc.code, "public": "1" if doc.public else "0"}
        fields.update(tokens(doc, table))
        fields.update(doc.facets)
        fields["data"] = pack(doc)
        return tantivy.Document.from_dict(fields, self.schema)

    def changed(self, change: ChangeSet) -> None:
        """The commit listener: follow the records `change` touched."""
        started = _now()
        graphs = set(change.clear)
        for line in change.remove:
            graph = line.rstrip().rstrip(".").rstrip()
            if graph.endswith(">"):
                graphs.add(graph[graph.rfind("<") + 1:-1])
        added = versions_in(change)
        graphs = {g for g in graphs if not g.startswith(GRAPHS)}
        if not graphs and not added:
            return
        try:
            if len(graphs) > self._rebuild_above():
                self._refill()
            else:
                self._apply(sorted(graphs))
        except Exception:
            log.exception("检索索引未能跟上写入，重新填充 / the search index missed a write, refilling it")
            try:
                self._refill()
            except Exception:
                self.broken = True      # never answer from an index that missed a write
                log.exception("检索索引不可用，需重建 / the search index is unusable until rebuilt")
                return
        self._write_state(self.versions + added, started)

    def _rebuild_above(self) -> int:
        """Past this many records to re-read, rebuilding is cheaper (re-reading runs its queries per record)."""
        return max(REBUILD_ABOVE, self.index.searcher().num_docs // 4 if self.index is not None else 0)

    def _writer(self):
        if self.writer is None:
            self.writer = self.index.writer(heap_size=30_000_000, num_threads=1)
        return self.writer

    def _apply(self, records: list[str], departments_changed: bool = False) -> None:
        """Re-read `records`. A department's entries are re-read when its 市州 changed (always with
        `departments_changed`: catching up, the table was read after the change)."""
        with self._lock:
            departments = dict(self.departments)
            entries = []
            for record in records:
                found = read_departments(self.graph, record)
                if found or record in departments:
                    before = departments.pop(record, None)
                    departments.update(found)
                    moved = before is None or record not in found or before.city != found[record].city
                    if departments_changed or moved:
                        entries.extend(provider_entries(self.graph, record))
                else:
                    entries.append(record)
            writer = self._writer()
            for record in dict.fromkeys(entries):
                writer.delete_documents_by_term("iri", record)
                for doc in read_entries(self.graph, departments, record):
                    writer.add_document(self._document(doc))
            writer.commit()
            self.index.reload()
            self.departments = departments

    def _refill(self) -> None:
        with self._lock:
            writer = self._writer()
            writer.rollback()
            writer.delete_all_documents()
            departments = read_departments(self.graph)
            for doc in read_entries(self.graph, departments):
                writer.add_document(self._document(doc))
            writer.commit()
            self.index.reload()
            self.departments = departments

    # -- reads -------------------------------------------------------------------------------------------------
    def searcher(self) -> tantivy.Searcher:
        if self.broken or self.index is None:
            raise IndexUnavailable("检索索引需要重建（govcat reindex）/ the search index must be rebuilt (govcat reindex)")
        return self.index.searcher()

    def num_docs(self) -> int:
        return self.searcher().num_docs


__all__ = ["FOLDER", "IndexUnavailable", "SearchIndex", "build_schema", "text"]
