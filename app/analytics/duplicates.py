"""Duplicate systems (重复建设), GUIDE §2: pairs of systems whose names and functions are similar and/or whose
resources share data items, each with a score and the evidence.

Texts are segmented with jieba. The owning department's name is taken out of a system's name, so are its
phase and the generic words it ends with (重点项目管理系统（二期） → 重点项目: jieba would cut 重点项目管理平台
otherwise), and words of the department's name are dropped (every system of 株洲市农业农村局 would otherwise
look alike), as are words that say nothing about what a system does (系统, 平台, 管理 … and runs of them).
Each system becomes two TF-IDF vectors: its words (name words count twice) and the names of the data items of
the entries it produces.

No all-pairs loop: candidate pairs come from sparse products X·Xᵀ restricted to the words that are rare
enough to tell systems apart (document frequency ≤ `max_df` of all systems, at least 20), one product per
block of systems that can pair — a region with the regions containing it — with the frequency counted in the
block: in a province every 县 runs a 社保业务系统, yet within one 县, its 市 and the 省 the word still tells
systems apart. The words of the names alone make candidates too (审批 names few systems, yet 审核审批 is among
the functions of a quarter of them). The score of each candidate is then the cosine of the full vectors. score = 1 − (1 − text)(1 − w·items), w = `item_weight` (0.55): similar names and functions
alone can make a strong candidate; shared data items alone make a candidate (at most 0.55: "may be
replaceable", below the default Z2 threshold of 0.6), and add to the similarity of names and functions.

A pair's kind: 同部门 (same department), 同地区 (other department, same region), 跨层级 (one region contains
the other: province ⊃ city ⊃ county), 跨地区 (unrelated regions). Only the first three can make Z2: a system in
another city cannot replace one here — nor are 跨地区 pairs reported unless asked for (`cross_region`): every
city's 不动产登记系统 is like every other's, and listing them all would bury the real candidates. A pair is kept
if it is among the `per_system` (5) strongest of one of its two systems, for the same reason."""
from __future__ import annotations

import hashlib
import math
import re
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from typing import NamedTuple

import jieba
import numpy as np
from scipy import sparse

from ..catalogue.repository import GRAPHS, Catalogue
from ..namespaces import GC, RDF_TYPE, XSD
from ..terms import nt_iri, nt_literal
from .rows import plain_rows

DUPLICATES_GRAPH = GRAPHS + "duplicates"
KINDS = {"same-department": "同部门", "same-region": "同地区", "cross-level": "跨层级", "cross-region": "跨地区"}
KIND_ORDER = tuple(KINDS)
REPLACEABLE = ("same-department", "same-region", "cross-level")

# words that name the kind of software, not what it does
_GENERIC = set("系统 平台 管理 信息 服务 综合 一体化 应用 网站 数据 提供 功能 支撑 业务 等 和 及 与 的 省 市 县 区 一期 二期 三期 "
               "升级 改造 建设 工程 项目 中心 软件 子系统 信息化 智慧 数字 电子 网上 在线 监管 管理系统 信息系统".split())
_PUNCT = re.compile(r"^[\W_\d]+$")
_SUFFIXES = sorted((w for w in _GENERIC if len(w) > 1), key=len, reverse=True)
_PHASE = re.compile(r"[（(][一二三四五六七八九十\d]+期[）)]$")
_HAN = jieba.re_han_default   # the runs jieba segments one by one (the rest it yields as single characters)
jieba.setLogLevel(60)


@dataclass(frozen=True)
class Settings:
    min_score: float = 0.5     # pairs below are not reported
    max_df: float = 0.02       # words in more than this share of systems (and at least 20) do not make candidates
    name_weight: int = 2       # a word of the name counts this many times
    item_weight: float = 0.55  # how much shared data items alone can weigh
    per_system: int = 5        # a pair is kept if it is among the strongest `per_system` of one of its systems
    cross_region: bool = False  # also report pairs in unrelated regions (another city's system of the same kind)


@dataclass
class System:
    iri: str
    code: str
    name: str
    function: str
    department: str | None
    department_name: str
    region: str
    monthly_uses: int
    users: int
    words: list[str] = field(default_factory=list)
    name_words: list[str] = field(default_factory=list)
    items: set[str] = field(default_factory=set)


@dataclass
class Candidate:
    first: System
    second: System
    score: float
    text_score: float
    item_score: float
    kind: str
    shared_terms: list[str]
    shared_items: list[str]

    def as_json(self, lang: str = "zh") -> dict:
        return {"systems": [self.first.code, self.second.code], "names": [self.first.name, self.second.name],
                "departments": [self.first.department_name, self.second.department_name],
                "score": round(self.score, 3), "text_score": round(self.text_score, 3),
                "item_score": round(self.item_score, 3),
                "kind": KINDS[self.kind] if lang == "zh" else self.kind,
                "shared_terms": self.shared_terms, "shared_items": self.shared_items}

    @property
    def iri(self) -> str:
        key = "|".join(sorted((self.first.iri, self.second.iri)))
        return f"{DUPLICATES_GRAPH}/pair/{hashlib.sha1(key.encode()).hexdigest()[:16]}"


def _int(value: str) -> int:
    try:
        return int(float(value)) if value else 0
    except ValueError:
        return 0


@lru_cache(maxsize=1 << 17)
def _segment(run: str) -> tuple[str, ...]:
    """jieba's words of one run of Han characters, letters and digits: jieba cuts a text run by run, so the
    runs can be cached (names and functions repeat them a lot)."""
    return tuple(jieba.lcut(run))


@lru_cache(maxsize=1 << 14)
def _department_words(department_name: str) -> frozenset[str]:
    return frozenset(word for run in _HAN.findall(department_name) for word in _segment(run))


def subject(name: str) -> str:
    """A system's name without its phase and the generic words it ends with (人口信息管理系统（二期） → 人口):
    jieba cuts 重点项目管理系统 as 重点项目|管理系统 but 重点项目管理平台 as 重点|项目管理|平台."""
    name = _PHASE.sub("", name.strip())
    while True:
        end = next((g for g in _SUFFIXES if name.endswith(g) and len(name) - len(g) >= 2), None)
        if end is None:
            return name
        name = name[: -len(end)]


@lru_cache(maxsize=1 << 16)
def _generic(word: str) -> bool:
    """A generic word, or generic words run together (信息管理系统 = 信息 + 管理系统)."""
    return word in _GENERIC or any(word[:k] in _GENERIC and _generic(word[k:]) for k in range(1, len(word)))


def words(text: str, department_name: str) -> list[str]:
    """The words of `text` that say what a system does: not generic, not words of its department's name."""
    dept_words = _department_words(department_name) if department_name else frozenset()

    def keep(w: str) -> bool:
        return len(w) > 1 and w not in dept_words and not _generic(w) and not _PUNCT.match(w)
    return [word for run in _HAN.findall(text) for word in _segment(run) if keep(word)]


def read_systems(cat: Catalogue, settings: Settings = Settings()) -> list[System]:
    from .zombies import department_names
    departments = department_names(cat)
    systems: dict[str, System] = {}
    for row in plain_rows(cat, "duplicate_inputs"):
        iri, dept, name, function = row["system"], row["department"] or None, row["name"], row["function"]
        dept_name, region = departments.get(dept, ("", "")) if dept else ("", "")
        s = System(iri, row["code"], name, function, dept, dept_name, region, _int(row["monthlyUses"]),
                   _int(row["users"]))
        own_name = name[len(dept_name):] if dept_name and name.startswith(dept_name) else name
        s.name_words = words(subject(own_name), dept_name)
        s.words = s.name_words * settings.name_weight + words(function, dept_name)
        systems[iri] = s
    for row in plain_rows(cat, "system_items"):
        system = systems.get(row["system"])
        if system is not None:
            system.items = {name.strip() for name in row["items"].split("\x1f") if name.strip()}
    return sorted(systems.values(), key=lambda s: s.code)


def _tfidf(bags: list[Counter]) -> tuple[sparse.csr_matrix, list[str], np.ndarray]:
    """L2-normalised TF-IDF rows (sublinear tf), the vocabulary and each word's document frequency. Columns in
    the order of the sorted vocabulary, so that sums run in the same order in every process (a set of items
    is iterated in another order each time: scores then differed in the last bit, enough to flip a pair that
    sits on a threshold)."""
    vocab = {word: k for k, word in enumerate(sorted({word for bag in bags for word in bag}))}
    rows, cols, vals = [], [], []
    for r, bag in enumerate(bags):
        for word, count in bag.items():
            rows.append(r)
            cols.append(vocab[word])
            vals.append(1.0 + math.log(count))
    n = len(bags)
    matrix = sparse.csr_matrix((vals, (rows, cols)), shape=(n, len(vocab)), dtype=np.float64)
    matrix.sort_indices()
    df = np.bincount(cols, minlength=len(vocab)) if cols else np.zeros(0, dtype=np.int64)
    idf = np.log((1 + n) / (1 + df)) + 1.0
    matrix = matrix @ sparse.diags(idf)
    norms = np.sqrt(matrix.multiply(matrix).sum(axis=1)).A1
    norms[norms == 0] = 1.0
    matrix = sparse.diags(1.0 / norms) @ matrix
    matrix = matrix.tocsr()
    matrix.sort_indices()
    return matrix, list(vocab), df


_ROWS = 2000   # rows of `left` per sparse product: bounds the memory of the pairs before the floor filters them


def _rare_pairs(left: sparse.csr_matrix, right: sparse.csr_matrix, rare: np.ndarray, floor: float):
    """(row of left, row of right) of the pairs whose similarity over the `rare` columns reaches `floor`.
    The product is taken `_ROWS` rows at a time: whole, at 100,000 systems, the pairs sharing a rare word
    before the floor filtered them took more than 24 GiB (bench/RESULTS.md, 1,000,000 entries)."""
    left, right = left[:, rare].tocsr(), right[:, rare].T.tocsc()
    rows, cols = [np.zeros(0, dtype=np.int64)], [np.zeros(0, dtype=np.int64)]
    for start in range(0, left.shape[0], _ROWS):
        product = (left[start:start + _ROWS] @ right).tocoo()
        keep = product.data >= floor
        rows.append(product.row[keep].astype(np.int64) + start)
        cols.append(product.col[keep].astype(np.int64))
    return np.concatenate(rows), np.concatenate(cols)


def _encode(n: int, first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """Pairs of distinct systems as keys i·n + j with i < j."""
    first, second = first.astype(np.int64), second.astype(np.int64)
    distinct = first != second
    low, high = np.minimum(first, second)[distinct], np.maximum(first, second)[distinct]
    return low * n + high


def _candidates(matrix: sparse.csr_matrix, settings: Settings, floor: float) -> np.ndarray:
    """Pairs over the whole catalogue (i < j, encoded i·n + j) whose similarity over the words rare in the
    whole catalogue reaches `floor`."""
    n = matrix.shape[0]
    if n < 2 or matrix.shape[1] == 0:
        return np.zeros(0, dtype=np.int64)
    df = np.diff(sparse.csc_matrix(matrix).indptr)
    rare = np.flatnonzero(df <= max(20, settings.max_df * n))
    first, second = _rare_pairs(matrix, matrix, rare, floor)
    return _encode(n, first, second)


def _distinct(keys: np.ndarray) -> np.ndarray:
    """The sorted distinct values (np.unique hashes int64 keys, 60× slower here than sorting them)."""
    keys = np.sort(keys)
    return keys[np.r_[True, keys[1:] != keys[:-1]]] if len(keys) else keys


def _upper(region: int) -> list[int]:
    """The regions containing `region`: its 市 (430102 → 430100) and its 省 (→ 430000)."""
    city, province = region // 100 * 100, region // 10000 * 10000
    return ([city] if city not in (region, province) else []) + ([province] if province != region else [])


def blocks(systems: list[System]) -> list[tuple[np.ndarray, list[int]]]:
    """(systems of a block, the blocks above it) for every block: a region, with the regions containing it (a
    县 with its 市 and the 省), or a department without a region. Every pair that is not 跨地区 lies in a block
    or between a block and one above it, so candidates need only be looked for there."""
    region = _region_numbers(systems)
    members: dict[object, list[int]] = {}
    for i, s in enumerate(systems):
        key = int(region[i]) if region[i] >= 0 else ("department", s.department) if s.department else None
        if key is not None:
            members.setdefault(key, []).append(i)
    index = {key: k for k, key in enumerate(members)}
    return [(np.array(own, dtype=np.int64), [index[r] for r in _upper(key) if r in index] if isinstance(key, int) else [])
            for key, own in members.items()]


def _block_candidates(matrix: sparse.csr_matrix, chains: list[tuple[np.ndarray, list[int]]], settings: Settings,
                      floor: float) -> np.ndarray:
    """Pairs (i < j, encoded i·n + j; some more than once) of systems that can be compared (same region, or one
    region containing the other) whose similarity over the words rare among them reaches `floor`: rarity is
    counted in each block with the blocks above it, so that what every 县 runs (122 社保业务系统) still tells two
    systems of one 县 apart. A sparse product per block; no all-pairs loop."""
    n = matrix.shape[0]
    if n < 2 or matrix.shape[1] == 0 or not chains:
        return np.zeros(0, dtype=np.int64)
    limit = max(20, settings.max_df * n)   # as in the whole catalogue, but counted where pairs can be
    width = matrix.shape[1]
    starts = np.cumsum([0] + [len(own) for own, _above in chains]).tolist()
    grouped = matrix[np.concatenate([own for own, _above in chains])]   # each block's rows in one run
    keys = []
    for b, (own, above) in enumerate(chains):
        left = grouped[starts[b]:starts[b + 1]]
        right = sparse.vstack([left] + [grouped[starts[k]:starts[k + 1]] for k in above], format="csr")
        chain = np.concatenate([own] + [chains[k][0] for k in above])
        if len(chain) < 2:
            continue
        rare = (np.bincount(right.indices, minlength=width) <= limit) & (np.bincount(left.indices, minlength=width) > 0)
        if rare.any():
            first, second = _rare_pairs(left, right, np.flatnonzero(rare), floor)
            keys.append(_encode(n, own[first], chain[second]))
    return np.concatenate(keys) if keys else np.zeros(0, dtype=np.int64)


def _region_numbers(systems: list[System]) -> np.ndarray:
    return np.array([int(s.region) if s.region.isdigit() else -1 for s in systems], dtype=np.int64)


class _Places(NamedTuple):
    """Per system: its department (a number, -1 for none) and its region (-1 for none), for `_kinds`."""
    dept: np.ndarray
    region: np.ndarray

    @classmethod
    def of(cls, systems: list[System]) -> "_Places":
        dept_ids = {d: k for k, d in enumerate(sorted({s.department for s in systems if s.department}))}
        return cls(np.array([dept_ids[s.department] if s.department else -1 for s in systems], dtype=np.int64),
                   _region_numbers(systems))


def _kinds(places: _Places, first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """The kind of each pair as an index into KIND_ORDER (vectorised `kind`)."""
    a, b = places.region[first], places.region[second]

    def contains(outer: np.ndarray, inner: np.ndarray) -> np.ndarray:
        province, city = outer % 10000 == 0, (outer % 100 == 0) & (outer % 10000 != 0)
        return (outer != inner) & (outer >= 0) & (inner >= 0) & (
            (province & (inner // 10000 == outer // 10000)) | (city & (inner // 100 == outer // 100)))

    same_dept = (places.dept[first] == places.dept[second]) & (places.dept[first] >= 0)
    same_region = (a == b) & (a >= 0)
    return np.select([same_dept, same_region, contains(a, b) | contains(b, a)], [0, 1, 2], default=3)


def _top(first: np.ndarray, second: np.ndarray, scores: np.ndarray, n: int, k: int) -> np.ndarray:
    """Mask of the pairs that are among the k strongest of either of their systems."""
    keep = np.zeros(len(scores), dtype=bool)
    for side in (first, second):
        order = np.lexsort((-scores, side))
        ranked = side[order]
        starts = np.r_[0, np.flatnonzero(np.diff(ranked)) + 1]
        rank = np.arange(len(order)) - np.repeat(starts, np.diff(np.r_[starts, len(order)]))
        keep[order[rank < k]] = True
    return keep


_KEYS = 1_000_000   # candidate pairs scored at a time: whole, 70 M of them (100,000 systems) took > 24 GiB


def _scored(keys: np.ndarray, n: int, text: sparse.csr_matrix, items: sparse.csr_matrix, places: _Places,
            settings: Settings):
    """(first, second, text similarity, item similarity, score, kind) of the candidate pairs `keys` scoring at
    least `settings.min_score` (and not 跨地区 unless asked for)."""
    first, second = keys // n, keys % n
    t = np.asarray(text[first].multiply(text[second]).sum(axis=1)).ravel()
    m = np.asarray(items[first].multiply(items[second]).sum(axis=1)).ravel()
    scores = 1 - (1 - t) * (1 - settings.item_weight * m)
    keep = scores >= settings.min_score           # most candidates stop here: kinds only for the others
    first, second, t, m, scores = first[keep], second[keep], t[keep], m[keep], scores[keep]
    kinds = _kinds(places, first, second)
    keep = settings.cross_region | (kinds != KIND_ORDER.index("cross-region"))
    return first[keep], second[keep], t[keep], m[keep], scores[keep], kinds[keep]


def detect(systems: list[System], settings: Settings = Settings()) -> list[Candidate]:
    """Every pair scoring at least `settings.min_score`, strongest first."""
    text, vocab, text_df = _tfidf([Counter(s.words) for s in systems])
    items, item_vocab, items_df = _tfidf([Counter(s.items) for s in systems])
    # 1-(1-t)(1-w·m) ≥ min needs t ≥ f or w·m ≥ f, with f = 1-sqrt(1-min)
    floor = 1 - math.sqrt(1 - settings.min_score)
    chains = blocks(systems)
    names = _tfidf([Counter(s.name_words) for s in systems])[0]
    keys = [_block_candidates(text, chains, settings, floor), _block_candidates(names, chains, settings, floor)]
    if settings.item_weight > 0:
        keys.append(_block_candidates(items, chains, settings, floor / settings.item_weight))
    if settings.cross_region:
        keys.append(_candidates(text, settings, floor))
        if settings.item_weight > 0:
            keys.append(_candidates(items, settings, floor / settings.item_weight))
    keys = _distinct(np.concatenate(keys))
    if not len(keys):
        return []
    n = len(systems)
    places = _Places.of(systems)
    scored = [_scored(keys[at:at + _KEYS], n, text, items, places, settings) for at in range(0, len(keys), _KEYS)]
    first, second, t, m, scores, kinds = (np.concatenate(column) for column in zip(*scored))
    keep = _top(first, second, scores, n, settings.per_system)
    first, second, t, m, scores, kinds = first[keep], second[keep], t[keep], m[keep], scores[keep], kinds[keep]
    terms = _rarest(text, vocab, text_df, first, second)
    shared_items = _rarest(items, item_vocab, items_df, first, second)
    found = [Candidate(systems[a], systems[b], score, ts, ms, KIND_ORDER[kind], words_, items_)
             for a, b, score, ts, ms, kind, words_, items_ in zip(
                 first.tolist(), second.tolist(), scores.tolist(), t.tolist(), m.tolist(), kinds.tolist(), terms,
                 shared_items)]
    return sorted(found, key=lambda c: (-c.score, c.first.code, c.second.code))


def _rarest(matrix: sparse.csr_matrix, vocab: list[str], df: np.ndarray, first: np.ndarray, second: np.ndarray,
            limit: int = 10) -> list[list[str]]:
    """For each pair, the words (or items) both systems have that say the most: the rarest first, then by
    text, at most `limit`."""
    if not len(first) or not len(vocab):
        return [[] for _ in range(len(first))]
    by_rarity = sorted(range(len(vocab)), key=lambda c: (df[c], vocab[c]))
    rank = np.empty(len(vocab), dtype=np.int64)
    rank[by_rarity] = np.arange(len(vocab))
    both = matrix[first].multiply(matrix[second]).tocsr()
    both.eliminate_zeros()
    counts = np.diff(both.indptr)
    rows = np.repeat(np.arange(len(first)), counts)
    order = np.lexsort((rank[both.indices], rows))
    position = np.arange(len(order)) - np.repeat(both.indptr[:-1], counts)
    chosen = both.indices[order][position < limit]
    names = np.array(vocab, dtype=object)[chosen].tolist()
    ends = np.cumsum(np.minimum(counts, limit)).tolist()
    return [names[start:end] for start, end in zip([0] + ends[:-1], ends)]


def _decimal(value: float) -> str:
    """The canonical xsd:decimal of a score to 4 places (0.9430 → 0.943, 1.0000 → 1), as the store keeps it."""
    return f"{value:.4f}".rstrip("0").rstrip(".")


def write(cat: Catalogue, candidates: list[Candidate], settings: Settings) -> None:
    """Replace the duplicates graph with these candidates (one atomic change). Only what changed since the last
    run is written: emptying the graph and loading it again took 2½ minutes at 20,000 systems (1.9 million
    triples; the store deletes each one), though a second run on the same catalogue finds the same pairs."""
    g = DUPLICATES_GRAPH
    a = nt_iri(g)
    lines = [f"{a} {nt_iri(RDF_TYPE)} {nt_iri(GC + 'Assessment')} .",
             f"{a} {nt_iri(GC + 'threshold')} {nt_literal(f'min_score={settings.min_score}')} .",
             f"{a} {nt_iri(GC + 'threshold')} {nt_literal(f'max_df={settings.max_df}')} ."]
    for c in candidates:
        p = nt_iri(c.iri)
        lines += [f"{p} {nt_iri(RDF_TYPE)} {nt_iri(GC + 'DuplicateCandidate')} .",
                  f"{p} {nt_iri(GC + 'candidateSystem')} {nt_iri(c.first.iri)} .",
                  f"{p} {nt_iri(GC + 'candidateSystem')} {nt_iri(c.second.iri)} .",
                  f"{p} {nt_iri(GC + 'score')} {nt_literal(_decimal(c.score), XSD + 'decimal')} .",
                  f"{p} {nt_iri(GC + 'pairKind')} {nt_literal(c.kind)} ."]
        lines += [f"{p} {nt_iri(GC + 'sharedTerm')} {nt_literal(w)} ." for w in c.shared_terms]
        lines += [f"{p} {nt_iri(GC + 'sharedItem')} {nt_literal(w)} ." for w in c.shared_items]
    cat.replace_graph(g, lines)
