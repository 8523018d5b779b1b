"""Searching the index: the text query, facet filters, visibility, paging, facet counts and highlights.

Ranking: BM25 over the jieba tokens of the title (boost TITLE_BOOST), the abstract and the data-item names;
a query word found as a run of character bigrams scores GRAM_WEIGHT of that besides. Without words, every
visible entry matches, ordered by code (browsing by facets)."""
from __future__ import annotations

from dataclasses import dataclass

import tantivy

from .documents import FACET_BY_NAME, FACETS, allowed_values, index_values, shown
from .index import SearchIndex, unpack
from .text import ParsedQuery, grams, highlight, matches, parse

PAGE_SIZE = 20
TITLE_BOOST = 3.0
GRAM_WEIGHT = 0.3
PROVIDERS_SHOWN = 30     # the provider facet lists the 30 largest (the rest summed as "other")
ABSTRACT_WINDOW = 80
ITEMS_SHOWN = 5          # matching data-item names shown per result
MUST, SHOULD = tantivy.Occur.Must, tantivy.Occur.Should


class FilterError(ValueError):
    def __init__(self, zh: str, en: str):
        self.zh, self.en = zh, en
        super().__init__(en)


@dataclass(frozen=True)
class SearchRequest:
    q: str = ""
    page: int = 1
    filters: tuple[tuple[str, tuple[str, ...]], ...] = ()    # (facet name, values: any of them)
    internal: bool = False                                   # may see drafts and closed entries


def _grams_query(schema, field: str, run: tuple[str, ...] | list[str]):
    run = list(run)
    if len(run) == 1:
        return tantivy.Query.term_query(schema, field, run[0])
    return tantivy.Query.phrase_query(schema, field, run)


def _boost(q, weight: float):
    return q if weight == 1.0 else tantivy.Query.boost_query(q, weight)


def text_query(schema, parsed: ParsedQuery):
    clauses = []
    for word in parsed.words:
        should = [_boost(tantivy.Query.term_query(schema, "title_words", word), TITLE_BOOST),
                  tantivy.Query.term_query(schema, "abstract_words", word),
                  tantivy.Query.term_query(schema, "items_words", word)]
        run = grams(word)
        if run and (len(run) > 1 or len(run[0]) > 1):
            should += [_boost(_grams_query(schema, "title_grams", run), TITLE_BOOST * GRAM_WEIGHT),
                       _boost(_grams_query(schema, "body_grams", run), GRAM_WEIGHT)]
        clauses.append((MUST, tantivy.Query.boolean_query([(SHOULD, q) for q in should])))
    for run in parsed.phrases:
        if len(run) == 1 and len(run[0]) == 1:      # one character: where jieba made it a word
            run_words = [tantivy.Query.term_query(schema, f, run[0])
                         for f in ("title_words", "abstract_words", "items_words")]
            clauses.append((MUST, tantivy.Query.boolean_query([(SHOULD, q) for q in run_words])))
            continue
        should = [_boost(_grams_query(schema, "title_grams", run), TITLE_BOOST),
                  _grams_query(schema, "body_grams", run)]
        clauses.append((MUST, tantivy.Query.boolean_query([(SHOULD, q) for q in should])))
    return clauses


def filter_clauses(index: SearchIndex, request: SearchRequest):
    clauses = []
    if not request.internal:
        clauses.append(tantivy.Query.term_query(index.schema, "public", "1"))
    for name, given in request.filters:
        facet = FACET_BY_NAME[name]
        values: list[str] = []
        for value in given:
            found = index_values(facet, value, index.departments)
            if found is None:
                raise FilterError(f"{facet.zh}（{name}）的取值应为：{allowed_values(facet)}",
                                  f"{name} ({facet.en}) must be one of: {allowed_values(facet)}")
            values.extend(found)
        if not values:
            clauses.append(tantivy.Query.empty_query())
        else:
            clauses.append(tantivy.Query.term_set_query(index.schema, facet.field, sorted(set(values))))
    return [(MUST, tantivy.Query.const_score_query(q, 0.0)) for q in clauses]


def search(index: SearchIndex, request: SearchRequest) -> dict:
    """`{"total", "page", "per_page", "results": [...], "facets": {name: [{"value", "label", "count"}]},
    "facets_other": {name: count of entries under values not listed}}`."""
    schema = index.schema
    parsed = parse(request.q)
    clauses = text_query(schema, parsed) + filter_clauses(index, request)
    if not clauses:
        q = tantivy.Query.all_query()
    elif parsed.empty:
        q = tantivy.Query.boolean_query([(MUST, tantivy.Query.all_query())] + clauses)
    else:
        q = tantivy.Query.boolean_query(clauses)
    searcher = index.searcher()
    departments = index.departments
    offset = (request.page - 1) * PAGE_SIZE
    if parsed.empty:
        found = searcher.search(q, PAGE_SIZE, count=True, order_by_field="code", offset=offset,
                                order=tantivy.Order.Asc)
    else:
        found = searcher.search(q, PAGE_SIZE, count=True, offset=offset)
    results = []
    for score, address in found.hits:
        data = unpack(bytes(searcher.doc(address)["data"][0]))
        provider = departments.get(data["provider"])
        items = [highlight(item, parsed.needles) for item in data["items"]
                 if matches(item, parsed.needles)][:ITEMS_SHOWN]
        results.append({"code": data["code"], "title": data["title"],
                        "provider": provider.name if provider else None,
                        "provider_code": provider.uscc if provider else None,
                        "highlight": {"title": highlight(data["title"], parsed.needles),
                                      "abstract": highlight(data["abstract"], parsed.needles, ABSTRACT_WINDOW),
                                      "items": items},
                        "score": None if parsed.empty else round(float(score), 4)})
    facets, other = facet_counts(searcher, q, departments)
    return {"total": found.count, "page": request.page, "per_page": PAGE_SIZE, "results": results,
            "facets": facets, "facets_other": other}


def facet_counts(searcher, q, departments) -> dict:
    """Per facet, the values of the matching entries with their counts, largest first. The provider facet
    lists the PROVIDERS_SHOWN largest; `facets_other` gives how many entries the others hold."""
    aggs = {}
    for facet in FACETS:
        size = PROVIDERS_SHOWN if facet.name == "provider" else 1000
        aggs[facet.field] = {"terms": {"field": facet.field, "size": size, "segment_size": max(10 * size, 1000)}}
    answer = searcher.aggregate(q, aggs)
    facets, other = {}, {}
    for facet in FACETS:
        rows = []
        for bucket in answer.get(facet.field, {}).get("buckets", []):
            value, label = shown(facet, bucket["key"], departments)
            rows.append({"value": value, "label": label, "count": bucket["doc_count"]})
        rows.sort(key=lambda r: (-r["count"], r["value"]))
        facets[facet.name] = rows
        rest = answer.get(facet.field, {}).get("sum_other_doc_count", 0)
        if rest:
            other[facet.name] = rest
    return facets, other


__all__ = ["PAGE_SIZE", "FilterError", "SearchRequest", "search"]
