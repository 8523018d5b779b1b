"""Duplicate systems (重复建设), GUIDE §2: pairs of systems whose names and functions are similar and/or whose
resources share data items, each with a score and the evidence.

Texts are segmented with jieba. The owning department's name is taken out of a system's name and words of
the department's name are dropped (every system of 株洲市农业农村局 would otherwise look alike), as are
words that say nothing about what a system does (系统, 平台, 管理 …). Each system becomes two TF-IDF vectors:
its words (name words count twice) and the names of the data items of the entries it produces.

No all-pairs loop: candidate pairs come from a sparse product X·Xᵀ restricted to the words that are rare
enough to tell systems apart (document frequency ≤ `max_df`); the score of each candidate is then the cosine
of the full vectors. score = 1 − (1 − text)(1 − w·items), w = `item_weight` (0.55): similar names and functions
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

import jieba
import numpy as np
from scipy import sparse

from ..catalogue.journal import ChangeSet
from ..catalogue.repository import GRAPHS, Catalogue, quad_lines
from ..namespaces import GC, RDF_TYPE, XSD
from ..queries import query
from ..terms import nt_iri, nt_literal

DUPLICATES_GRAPH = GRAPHS + "duplicates"
KINDS = {"same-department": "同部门", "same-region": "同地区", "cross-level": "跨层级", "cross-region": "跨地区"}
KIND_ORDER = tuple(KINDS)
REPLACEABLE = ("same-department", "same-region", "cross-level")

# words that name the kind of software, not what it does
_GENERIC = set("系统 平台 管理 信息 服务 综合 一体化 应用 网站 数据 提供 功能 支撑 业务 等 和 及 与 的 省 市 县 区 一期 二期 三期 "
               "升级 改造 建设 工程 项目 中心 软件 子系统 信息化 智慧 数字 电子 网上 在线 监管 管理系统 信息系统".split())
_PUNCT = re.compile(r"^[\W_\d]+$")
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


def _int(term) -> int:
    try:
        return int(float(term.value)) if term is not None else 0
    except ValueError:
        return 0


def words(text: str, department_name: str) -> list[str]:
    dept_words = set(jieba.lcut(department_name)) if department_name else set()
    return [w for w in jieba.lcut(text) if len(w) > 1 and w not in _GENERIC and w not in dept_words
            and not _PUNCT.match(w)]


def read_systems(cat: Catalogue, settings: Settings = Settings()) -> list[System]:
    from .zombies import department_names
    departments = department_names(cat)
    systems: dict[str, System] = {}
    for row in cat.graph.select(query("duplicate_inputs")):
        iri = row["system"].value
        dept = row["department"].value if row["department"] else None
        dept_name, region = departments.get(dept, ("", "")) if dept else ("", "")
        name = row["name"].value if row["name"] else ""
        function = row["function"].value if row["function"] else ""
        s = System(iri, row["code"].value, name, function, dept, dept_name, region, _int(row["monthlyUses"]),
                   _int(row["users"]))
        own_name = name[len(dept_name):] if dept_name and name.startswith(dept_name) else name
        s.words = words(own_name, dept_name) * settings.name_weight + words(function, dept_name)
        systems[iri] = s
    for row in cat.graph.select(query("system_items")):
        system = systems.get(row["system"].value)
        if system is not None:
            system.items = {name.strip() for name in row["items"].value.split("\x1f") if name.strip()}
    return sorted(systems.values(), key=lambda s: s.code)


def _tfidf(bags: list[Counter]) -> tuple[sparse.csr_matrix, list[str], np.ndarray]:
    """L2-normalised TF-IDF rows (sublinear tf), the vocabulary and each word's document frequency."""
    vocab: dict[str, int] = {}
    rows, cols, vals = [], [], []
    for r, bag in enumerate(bags):
        for word, count in bag.items():
            rows.append(r)
            cols.append(vocab.setdefault(word, len(vocab)))
            vals.append(1.0 + math.log(count))
    n = len(bags)
    matrix = sparse.csr_matrix((vals, (rows, cols)), shape=(n, len(vocab)), dtype=np.float64)
    df = np.bincount(cols, minlength=len(vocab)) if cols else np.zeros(0, dtype=np.int64)
    idf = np.log((1 + n) / (1 + df)) + 1.0
    matrix = matrix @ sparse.diags(idf)
    norms = np.sqrt(matrix.multiply(matrix).sum(axis=1)).A1
    norms[norms == 0] = 1.0
    matrix = sparse.diags(1.0 / norms) @ matrix
    return matrix.tocsr(), sorted(vocab, key=vocab.get), df


def _candidates(matrix: sparse.csr_matrix, df: np.ndarray, settings: Settings, floor: float) -> np.ndarray:
    """Pairs (i < j), encoded i·n + j, whose similarity over the rare words alone reaches `floor`."""
    n = matrix.shape[0]
    if n < 2 or matrix.shape[1] == 0:
        return np.zeros(0, dtype=np.int64)
    rare = np.flatnonzero(df <= max(20, settings.max_df * n))
    part = matrix[:, rare]
    product = sparse.triu(part @ part.T, k=1).tocoo()
    keep = product.data >= floor
    return product.row[keep].astype(np.int64) * n + product.col[keep]


def _region_numbers(systems: list[System]) -> np.ndarray:
    return np.array([int(s.region) if s.region.isdigit() else -1 for s in systems], dtype=np.int64)


def _kinds(systems: list[System], first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """The kind of each pair as an index into KIND_ORDER (vectorised `kind`)."""
    dept_ids = {d: k for k, d in enumerate(sorted({s.department or "" for s in systems}))}
    dept = np.array([dept_ids[s.department or ""] for s in systems], dtype=np.int64)
    region = _region_numbers(systems)
    a, b = region[first], region[second]

    def contains(outer: np.ndarray, inner: np.ndarray) -> np.ndarray:
        province, city = outer % 10000 == 0, (outer % 100 == 0) & (outer % 10000 != 0)
        return (outer != inner) & (outer >= 0) & (inner >= 0) & (
            (province & (inner // 10000 == outer // 10000)) | (city & (inner // 100 == outer // 100)))

    same_dept = (dept[first] == dept[second]) & np.array([bool(systems[i].department) for i in first.tolist()], dtype=bool)
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


def _contains(outer: str, inner: str) -> bool:
    """Whether administrative region `outer` contains `inner` (430000 ⊃ 430200 ⊃ 430211)."""
    if not outer or not inner or outer == inner:
        return False
    prefix = outer[:2] if outer.endswith("0000") else outer[:4] if outer.endswith("00") else outer
    return inner.startswith(prefix)




def detect(systems: list[System], settings: Settings = Settings()) -> list[Candidate]:
    """Every pair scoring at least `settings.min_score`, strongest first."""
    text, vocab, text_df = _tfidf([Counter(s.words) for s in systems])
    items, item_vocab, items_df = _tfidf([Counter(s.items) for s in systems])
    # 1-(1-t)(1-w·m) ≥ min needs t ≥ f or w·m ≥ f, with f = 1-sqrt(1-min)
    floor = 1 - math.sqrt(1 - settings.min_score)
    keys = _candidates(text, text_df, settings, floor)
    if settings.item_weight > 0:
        keys = np.union1d(keys, _candidates(items, items_df, settings, floor / settings.item_weight))
    else:
        keys = np.unique(keys)
    if not len(keys):
        return []
    n = len(systems)
    first, second = keys // n, keys % n
    t = np.asarray(text[first].multiply(text[second]).sum(axis=1)).ravel()
    m = np.asarray(items[first].multiply(items[second]).sum(axis=1)).ravel()
    scores = 1 - (1 - t) * (1 - settings.item_weight * m)
    kinds = _kinds(systems, first, second)
    keep = (scores >= settings.min_score) & (settings.cross_region | (kinds != KIND_ORDER.index("cross-region")))
    first, second, t, m, scores, kinds = first[keep], second[keep], t[keep], m[keep], scores[keep], kinds[keep]
    keep = _top(first, second, scores, n, settings.per_system)
    word_df = dict(zip(vocab, text_df.tolist()))
    item_df = dict(zip(item_vocab, items_df.tolist()))
    found = []
    for k in np.flatnonzero(keep).tolist():
        a, b = systems[first[k]], systems[second[k]]
        found.append(Candidate(a, b, float(scores[k]), float(t[k]), float(m[k]), KIND_ORDER[kinds[k]],
                               _rarest(set(a.words) & set(b.words), word_df), _rarest(a.items & b.items, item_df)))
    return sorted(found, key=lambda c: (-c.score, c.first.code, c.second.code))


def _rarest(shared: set[str], df: dict[str, int], limit: int = 10) -> list[str]:
    """The shared words (or items) that say the most: the rarest first."""
    return sorted(shared, key=lambda w: (df[w], w))[:limit]


def write(cat: Catalogue, candidates: list[Candidate], settings: Settings) -> None:
    """Replace the duplicates graph with these candidates (one atomic change)."""
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
                  f"{p} {nt_iri(GC + 'score')} {nt_literal(f'{c.score:.4f}', XSD + 'decimal')} .",
                  f"{p} {nt_iri(GC + 'pairKind')} {nt_literal(c.kind)} ."]
        lines += [f"{p} {nt_iri(GC + 'sharedTerm')} {nt_literal(w)} ." for w in c.shared_terms]
        lines += [f"{p} {nt_iri(GC + 'sharedItem')} {nt_literal(w)} ." for w in c.shared_items]
    cat.commit(ChangeSet(clear={g}, add=quad_lines(g, lines)))
