"""The proportions of a generated catalogue: the default ones, a whole province (`--province`), or explicit
totals; and a description of a generated catalogue by administrative level.

    from govcat.generate.province import shape_for
    shape_for(200_000, province=True)   # 5,000 departments, 20,000 systems, 1,000,000 items, 50,000 flows
"""
from __future__ import annotations

import math
import statistics
from dataclasses import dataclass

# A province in a box (issue 9): Hunan's 14 市州 and 122 县市区 with their departments, at 200,000 entries.
PROVINCE = {"entries": 200_000, "departments": 5_000, "systems": 20_000, "items": 1_000_000, "flows": 50_000}
LEVEL_NAMES = {"省": "省", "市": "市州", "县": "县市区"}


@dataclass(frozen=True)
class Shape:
    """Totals of a catalogue; None keeps the default (about one department per 30 entries, at most the
    core departments of each government; one system per 5 entries of a department; 1–12 data items per
    entry, mean ≈ 5.4; one flow per 4 entries). `province`: every 市州 and as many 县市区 as the
    departments allow, each government with up to its full list of bodies, department sizes long-tailed."""
    province: bool = False
    departments: int | None = None
    systems: int | None = None
    items: int | None = None
    flows: int | None = None

    @property
    def is_default(self) -> bool:
        return self == Shape()


def shape_for(entries: int, province: bool = False, departments: int | None = None, systems: int | None = None,
              items: int | None = None, flows: int | None = None) -> Shape:
    """The shape of a catalogue of `entries` entries: the province's proportions scaled to `entries` where
    `province` is set (departments stop at the whole province's 5,042: a bigger catalogue is more entries per
    department, not more governments), overridden by any total given."""
    scaled = {k: round(v * entries / PROVINCE["entries"]) for k, v in PROVINCE.items()} if province else {}
    given = {"departments": departments, "systems": systems, "items": items, "flows": flows}
    return Shape(province, **{k: v if v is not None else scaled.get(k) for k, v in given.items()})


def tilted(weights: tuple[int, ...], mean: float) -> list[float]:
    """`weights` of the values 1, 2, … times exp(t · value), with t chosen so that the mean is `mean`
    (clamped to the values' range): the same shape of distribution, moved."""
    values = range(1, len(weights) + 1)
    mean = min(max(mean, 1.0), float(len(weights)))

    def at(t: float) -> list[float]:
        top = max(t * v for v in values)
        return [w * math.exp(t * v - top) for w, v in zip(weights, values)]
    low, high = -30.0, 30.0
    for _ in range(100):
        middle = (low + high) / 2
        w = at(middle)
        if sum(v * x for v, x in zip(values, w)) / sum(w) < mean:
            low = middle
        else:
            high = middle
    return at((low + high) / 2)


def apportion(total: int, counts: list[int]) -> list[int]:
    """`total` split in whole numbers proportionally to `counts` (largest remainders), at least 1 for every
    non-zero count and 0 for the others."""
    present = [1 if c > 0 else 0 for c in counts]
    rest = max(0, total - sum(present))
    whole = sum(counts)
    if not whole:
        return present
    raw = [rest * c / whole for c in counts]
    shares = [int(r) for r in raw]
    for i in sorted(range(len(counts)), key=lambda i: shares[i] - raw[i])[:rest - sum(shares)]:
        shares[i] += 1
    return [s + p for s, p in zip(shares, present)]


def describe(cat) -> dict:
    """Counts by administrative level (departments, governments, entries, systems, data items), flows by
    the levels they join, and how entries spread over departments (a few big ones, a long tail)."""
    levels = {d.level for d in cat.depts}
    by = {level: {"departments": 0, "governments": 0, "entries": 0, "systems": 0, "items": 0}
          for level in ("省", "市", "县") if level in levels}
    for d in cat.depts:
        by[d.level]["departments"] += 1
        by[d.level]["governments"] += d.is_government
    per_dept = [0] * len(cat.depts)
    for e, di in enumerate(cat.entry_dept):
        per_dept[di] += 1
        by[cat.depts[di].level]["entries"] += 1
        by[cat.depts[di].level]["items"] += cat.entry_items[e][1]
    for di in cat.system_dept:
        by[cat.depts[di].level]["systems"] += 1
    system_level = {row[0]: cat.depts[di].level for row, di in zip(cat.systems, cat.system_dept)}
    flows: dict[str, int] = {}
    for flow in cat.flows:
        key = f"{system_level[flow[1]]}→{system_level[flow[2]]}"
        flows[key] = flows.get(key, 0) + 1
    ordered = sorted(per_dept, reverse=True)
    total = max(1, sum(ordered))
    spread = {"largest": ordered[:5], "top_1pct_share": sum(ordered[:max(1, len(ordered) // 100)]) / total,
              "top_10pct_share": sum(ordered[:max(1, len(ordered) // 10)]) / total,
              "median": statistics.median(ordered) if ordered else 0,
              "at_most_5": sum(1 for n in ordered if n <= 5), "none": sum(1 for n in ordered if n == 0)}
    return {"levels": by, "flows": dict(sorted(flows.items())), "entries_per_department": spread}


def describe_lines(info: dict) -> list[str]:
    """`describe()` as lines of text, Chinese first."""
    lines = []
    for level, c in info["levels"].items():
        lines.append(f"{LEVEL_NAMES[level]}：政府 {c['governments']:,} 个，部门 {c['departments']:,}，信息资源 "
                     f"{c['entries']:,}，信息系统 {c['systems']:,}，信息项 {c['items']:,}")
    lines.append("数据流（源层级→目标层级）：" + "，".join(f"{k} {n:,}" for k, n in info["flows"].items()))
    s = info["entries_per_department"]
    lines.append(f"每个部门的信息资源 / entries per department: 最多 largest {', '.join(map(str, s['largest']))}；"
                 f"前 1% 部门占 top 1% hold {s['top_1pct_share']:.0%}，前 10% 占 top 10% hold "
                 f"{s['top_10pct_share']:.0%}；中位数 median {s['median']:g}；≤ 5 条 {s['at_most_5']:,}，"
                 f"0 条 {s['none']:,}")
    return lines
