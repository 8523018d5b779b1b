"""Zombie systems (僵尸信息系统), GUIDE §2 Z1–Z5: which systems meet a criterion, with the values that
triggered it, evaluated as of a date with configurable thresholds.

Systems already cleared — 整合状态 已关停 (shut down) or 已整合 (merged into another) — are not candidates:
clearing them is what the criteria are for. Z2 (replaceable by a more used system) needs the duplicate
candidates of `govcat.analytics.duplicates`; it is evaluated when they are given."""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field, fields

from ..catalogue.repository import GRAPHS, Catalogue
from ..namespaces import GC, RDF_TYPE, XSD
from .rows import plain_rows
from ..schema import concept_labels
from ..terms import nt_iri, nt_literal

ZOMBIES_GRAPH = GRAPHS + "zombies"
CLEARED = ("已关停", "已整合")
RULES = ("Z1", "Z2", "Z3", "Z4", "Z5")


@dataclass(frozen=True)
class Thresholds:
    """The defaults of GUIDE §2; each can be changed (`govcat zombies --threshold name=value`)."""
    utilisation: float = 5.0          # Z3: 资源利用率(%) below this
    stale_days: int = 365             # Z4: 最近更新日期 more than this many days before the evaluation date
    narrow_scope: str = "处室内部"     # Z5: this 使用范围 …
    monthly_uses: int = 20            # Z5: … with fewer 月均使用次数, or
    users: int = 5                    # Z5: fewer 用户数 than this
    duplicate_score: float = 0.6      # Z2: a duplicate candidate at least this strong

    @classmethod
    def parse(cls, items: Iterable[str]) -> "Thresholds":
        """From "name=value" strings; unknown names and bad values raise ValueError (zh / en)."""
        kinds = {f.name: f.type for f in fields(cls)}
        values = {}
        for item in items:
            name, _, raw = item.partition("=")
            name = name.strip()
            if name not in kinds:
                raise ValueError(f"未知的阈值 {name}（可用：{', '.join(kinds)}）/ unknown threshold {name}")
            convert = {"float": float, "int": int}.get(kinds[name], str)
            try:
                values[name] = convert(raw.strip())
            except ValueError:
                raise ValueError(f"阈值 {name} 的取值无效：{raw} / bad value for {name}: {raw}") from None
        return cls(**values)

    def items(self) -> list[tuple[str, object]]:
        return [(f.name, getattr(self, f.name)) for f in fields(self)]


@dataclass
class Zombie:
    system: str                     # IRI
    code: str
    name: str
    department: str | None          # name of the owning department (its IRI if it has no name)
    department_iri: str | None = None
    rules: list[str] = field(default_factory=list)
    evidence: dict[str, dict[str, str]] = field(default_factory=dict)   # rule -> {"zh": …, "en": …}

    def as_json(self, lang: str = "zh") -> dict:
        return {"system": self.code, "name": self.name, "department": self.department, "rules": self.rules,
                "evidence": {rule: text[lang] for rule, text in self.evidence.items()}}


@dataclass(frozen=True)
class Usage:
    monthly_uses: int | None
    users: int | None

    def more_than(self, other: "Usage") -> bool:
        """More used: more monthly uses; equal (or unknown) uses, more users."""
        mine, theirs = self.monthly_uses or 0, other.monthly_uses or 0
        if mine != theirs:
            return mine > theirs
        return (self.users or 0) > (other.users or 0)


def _number(value: str) -> float | None:
    try:
        return float(value) if value else None
    except ValueError:
        return None


def _fmt(value: float) -> str:
    return f"{value:g}"


def evaluate(cat: Catalogue, as_of: dt.date | None = None, thresholds: Thresholds = Thresholds(),
             duplicates: Iterable["Pair"] = ()) -> list[Zombie]:
    """Every system meeting at least one criterion, ordered by code. `duplicates`: candidate pairs
    (objects with .first, .second (system IRIs), .score, .kind) for Z2; cross-region pairs never make Z2."""
    as_of = as_of or dt.date.today()
    rows = plain_rows(cat, "zombie_inputs")
    labels = concept_labels()
    departments = department_names(cat)
    usage: dict[str, Usage] = {}
    codes: dict[str, str] = {}
    found: dict[str, Zombie] = {}
    for row in rows:
        system = row["system"]
        codes[system] = row["code"]
        uses, users = _number(row["monthlyUses"]), _number(row["users"])
        usage[system] = Usage(int(uses) if uses is not None else None, int(users) if users is not None else None)
        if labels.get(row["status"]) in CLEARED:
            continue
        dept = row["department"] or None
        z = Zombie(system, row["code"], row["name"], departments.get(dept, (dept, ""))[0] if dept else None, dept)
        if row["detached"] == "true":
            z.evidence["Z1"] = {"zh": "业务脱节 = 是", "en": "detached from business = yes"}
        utilisation = _number(row["utilisation"])
        if utilisation is not None and utilisation < thresholds.utilisation:
            z.evidence["Z3"] = {"zh": f"资源利用率 {_fmt(utilisation)}% < {_fmt(thresholds.utilisation)}%",
                                "en": f"resource utilisation {_fmt(utilisation)}% < {_fmt(thresholds.utilisation)}%"}
        if row["lastUpdated"]:
            try:
                updated = dt.date.fromisoformat(row["lastUpdated"])
            except ValueError:
                updated = None
            if updated is not None and (as_of - updated).days > thresholds.stale_days:
                days = (as_of - updated).days
                z.evidence["Z4"] = {
                    "zh": f"最近更新日期 {updated.isoformat()}，距 {as_of.isoformat()} 已 {days} 天 > {thresholds.stale_days} 天",
                    "en": f"last updated {updated.isoformat()}, {days} days before {as_of.isoformat()} > {thresholds.stale_days}"}
        scope = labels.get(row["scope"]) if row["scope"] else None
        narrow = scope == thresholds.narrow_scope and uses is not None and uses < thresholds.monthly_uses
        few = users is not None and users < thresholds.users
        if narrow or few:
            zh, en = [], []
            if narrow:
                zh.append(f"使用范围 {scope} 且月均使用次数 {_fmt(uses)} < {thresholds.monthly_uses}")
                en.append(f"scope {scope} and monthly uses {_fmt(uses)} < {thresholds.monthly_uses}")
            if few:
                zh.append(f"用户数 {_fmt(users)} < {thresholds.users}")
                en.append(f"users {_fmt(users)} < {thresholds.users}")
            z.evidence["Z5"] = {"zh": "；".join(zh), "en": "; ".join(en)}
        found[system] = z
    best_z2: dict[str, float] = {}
    for pair in duplicates:
        if pair.score < thresholds.duplicate_score or pair.first not in usage or pair.second not in usage:
            continue
        if pair.kind == "cross-region":
            continue    # a system of another city cannot replace this one
        a, b = usage[pair.first], usage[pair.second]
        less, more = (pair.first, pair.second) if b.more_than(a) else (pair.second, pair.first) if a.more_than(b) else (None, None)
        if less is None or less not in found:
            continue    # equally used: neither replaces the other
        z, more_code = found[less], codes[more]
        if best_z2.get(less, -1.0) >= pair.score:
            continue    # the evidence names the strongest more-used duplicate
        best_z2[less] = pair.score
        mu, lu = usage[more], usage[less]
        z.evidence["Z2"] = {
            "zh": f"与 {more_code} 重复（得分 {pair.score:.2f}），对方更常用：月均使用 {mu.monthly_uses or 0} 次、用户 {mu.users or 0} 人，"
                  f"本系统 {lu.monthly_uses or 0} 次、{lu.users or 0} 人",
            "en": f"duplicates {more_code} (score {pair.score:.2f}), which is more used: {mu.monthly_uses or 0} uses a month, "
                  f"{mu.users or 0} users, against {lu.monthly_uses or 0} and {lu.users or 0}"}
    zombies = []
    for z in found.values():
        z.rules = [rule for rule in RULES if rule in z.evidence]
        z.evidence = {rule: z.evidence[rule] for rule in z.rules}
        if z.rules:
            zombies.append(z)
    return sorted(zombies, key=lambda z: z.code)


def department_names(cat: Catalogue, with_uscc: bool = False) -> dict[str, tuple[str, ...]]:
    """Department IRI -> (name, region code), or (name, region code, USCC) `with_uscc`."""
    found = {}
    for r in plain_rows(cat, "department_names"):
        found[r["department"]] = (r["name"], r["region"]) + ((r["uscc"],) if with_uscc else ())
    return found


def write(cat: Catalogue, zombies: list[Zombie], as_of: dt.date, thresholds: Thresholds) -> None:
    """Replace the zombies graph with these results (one atomic change, only what changed: Catalogue.replace_graph)."""
    g = ZOMBIES_GRAPH
    assessment = nt_iri(g)
    lines = [f"{assessment} {nt_iri(RDF_TYPE)} {nt_iri(GC + 'Assessment')} .",
             f"{assessment} {nt_iri(GC + 'assessedOn')} {nt_literal(as_of.isoformat(), XSD + 'date')} ."]
    lines += [f"{assessment} {nt_iri(GC + 'threshold')} {nt_literal(f'{name}={value}')} ." for name, value in thresholds.items()]
    for z in zombies:
        for rule in z.rules:
            finding = nt_iri(f"{z.system}#zombie-{rule}")
            lines += [f"{nt_iri(z.system)} {nt_iri(GC + 'zombieFinding')} {finding} .",
                      f"{finding} {nt_iri(RDF_TYPE)} {nt_iri(GC + 'ZombieFinding')} .",
                      f"{finding} {nt_iri(GC + 'criterion')} {nt_literal(rule)} ."]
            lines += [f"{finding} {nt_iri(GC + 'evidence')} {nt_literal(text, language=lang)} ."
                      for lang, text in z.evidence[rule].items()]
    cat.replace_graph(g, lines)


@dataclass(frozen=True)
class Pair:
    first: str
    second: str
    score: float
    kind: str = "same-department"


def stored_duplicates(cat: Catalogue) -> list[Pair]:
    """The duplicate candidates of the last `govcat duplicates` run (none before the first)."""
    systems: dict[str, list[str]] = {}
    scored: dict[str, tuple[float, str]] = {}
    for r in plain_rows(cat, "duplicate_pairs"):
        if r["system"]:
            systems.setdefault(r["pair"], []).append(r["system"])
        else:
            scored[r["pair"]] = (float(r["score"]), r["kind"])
    return [Pair(*sorted(systems[pair]), score, kind) for pair, (score, kind) in scored.items()
            if len(systems.get(pair, ())) == 2]
