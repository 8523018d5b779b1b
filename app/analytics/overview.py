"""The figures of the home page: entries per department and workflow state, the stored zombie and duplicate
results, and the province's evaluation indicators. Anonymous visitors get only what the open-data feed
shows them: the public entries per department."""
from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict

from ..access import public_entries
from ..catalogue.repository import Catalogue
from ..queries import query
from .evaluation import evaluate
from .zombies import department_names

CST = dt.timezone(dt.timedelta(hours=8))


def entry_counts(cat: Catalogue) -> dict:
    """{"states": [{"zh", "en"}…], "departments": [{"code", "name", "counts": {state_zh: n}, "total"}…],
    "totals": {state_zh: n}} over every stored entry, departments with most entries first."""
    states: dict[str, dict] = {}
    rows: dict[str, dict] = {}
    for r in cat.graph.select(query("overview_entries")):
        zh = r["stateZh"].value if r["stateZh"] else r["state"].value
        states.setdefault(zh, {"zh": zh, "en": r["stateEn"].value if r["stateEn"] else zh,
                               "order": int(r["stateOrder"].value) if r["stateOrder"] else 99})
        dept = rows.setdefault(r["dept"].value, {"code": r["deptCode"].value if r["deptCode"] else "",
                                                  "name": r["deptName"].value if r["deptName"] else r["dept"].value,
                                                  "counts": {}, "total": 0})
        dept["counts"][zh] = int(r["entries"].value)
        dept["total"] += int(r["entries"].value)
    ordered = sorted(states.values(), key=lambda s: s["order"])
    return _table([{"zh": s["zh"], "en": s["en"]} for s in ordered], rows.values())


def public_counts(cat: Catalogue) -> dict:
    """The same table for anonymous visitors: public entries (published and open) per department."""
    public = set(public_entries(cat))
    per_dept: Counter = Counter(r["department"].value for r in cat.graph.select(query("eval_entry_providers"))
                                if r["entry"].value in public)
    names = department_names(cat, with_uscc=True)
    label = {"zh": "公开", "en": "public"}
    rows = [{"code": names.get(d, ("", "", ""))[-1], "name": names.get(d, (d,))[0], "counts": {"公开": n}, "total": n}
            for d, n in per_dept.items()]
    return _table([label], rows)


def _table(states: list[dict], rows) -> dict:
    departments = sorted(rows, key=lambda d: (-d["total"], d["code"]))
    totals: dict[str, int] = defaultdict(int)
    for d in departments:
        for state, n in d["counts"].items():
            totals[state] += n
    return {"states": states, "departments": departments, "totals": dict(totals),
            "total": sum(d["total"] for d in departments)}


def stored_analyses(cat: Catalogue) -> dict:
    """How many systems the last zombie run flagged (and its day), how many duplicate pairs are stored."""
    rows = cat.graph.select(query("overview_analyses"))
    if not rows:
        return {"zombies": 0, "assessed_on": None, "duplicates": 0}
    r = rows[0]
    return {"zombies": int(r["zombies"].value), "duplicates": int(r["duplicates"].value),
            "assessed_on": r["assessedOn"].value if r["assessedOn"] else None}


def overview(cat: Catalogue, internal: bool, today: dt.date | None = None) -> dict:
    """Everything the home page shows; the evaluation only for internal users (it names every department)."""
    today = today or dt.datetime.now(CST).date()
    figures = {"entries": entry_counts(cat) if internal else public_counts(cat), "year": today.year}
    if internal:
        figures["analyses"] = stored_analyses(cat)
        figures["evaluation"] = evaluate(cat, today.year)
    return figures
