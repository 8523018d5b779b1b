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
another city cannot replace one here."""
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


def _candidates(matrix: sparse.csr_matrix, df: np.ndarray, settings: Settings, floor: float) -> set[tuple[int, int]]:
    """Pairs (i < j) whose similarity over the rare words alone reaches `floor`."""
    n = matrix.shape[0]
    if n < 2 or matrix.shape[1] == 0:
        return set()
    rare = np.flatnonzero(df <= max(20, settings.max_df * n))
    part = matrix[:, rare]
    product = sparse.triu(part @ part.T, k=1).tocoo()
    keep = product.data >= floor
    return set(zip(product.row[keep].tolist(), product.col[keep].tolist()))


def _contains(outer: str, inner: str) -> bool:
    """Whether administrative region `outer` contains `inner` (430000 ⊃ 430200 ⊃ 430211)."""
    if not outer or not inner or outer == inner:
        return False
    prefix = outer[:2] if outer.endswith("0000") else outer[:4] if outer.endswith("00") else outer
    return inner.startswith(prefix)


def kind(a: System, b: System) -> str:
    if a.department and a.department == b.department:
        return "same-department"
    if a.region and a.region == b.region:
        return "same-region"
    if _contains(a.region, b.region) or _contains(b.region, a.region):
        return "cross-level"
    return "cross-region"


def detect(systems: list[System], settings: Settings = Settings()) -> list[Candidate]:
    """Every pair scoring at least `settings.min_score`, strongest first."""
    text, vocab, text_df = _tfidf([Counter(s.words) for s in systems])
    items, item_vocab, items_df = _tfidf([Counter(s.items) for s in systems])
    # 1-(1-t)(1-w·m) ≥ min needs t ≥ f or w·m ≥ f, with f = 1-sqrt(1-min)
    floor = 1 - math.sqrt(1 - settings.min_score)
    pairs = _candidates(text, text_df, settings, floor)
    if settings.item_weight > 0:
        pairs |= _candidates(items, items_df, settings, floor / settings.item_weight)
    if not pairs:
        return []
    first, second = (np.fromiter(side, dtype=np.int64, count=len(pairs)) for side in zip(*sorted(pairs)))
    t = np.asarray(text[first].multiply(text[second]).sum(axis=1)).ravel()
    m = np.asarray(items[first].multiply(items[second]).sum(axis=1)).ravel()
    scores = 1 - (1 - t) * (1 - settings.item_weight * m)
    word_df = dict(zip(vocab, text_df.tolist()))
    item_df = dict(zip(item_vocab, items_df.tolist()))
    found = []
    for k in np.flatnonzero(scores >= settings.min_score).tolist():
        a, b = systems[first[k]], systems[second[k]]
        found.append(Candidate(a, b, float(scores[k]), float(t[k]), float(m[k]), kind(a, b),
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
