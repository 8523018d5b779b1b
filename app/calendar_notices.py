"""The State Council's holiday notices that admins enter for years the installed chinese-calendar does not know
yet (`govcat calendar set`). Each year is the named graph https://w3id.org/govcat/graph/calendar/{year},
replaced whole when the notice is entered again; govcat.workdays counts working days with them."""
from __future__ import annotations

import datetime as dt

from .access import Access
from .catalogue.journal import ChangeSet
from .catalogue.repository import GRAPHS, Catalogue, quad_lines
from .namespaces import DCT, GC, XSD
from .queries import query
from .terms import nt_iri, nt_literal
from .workdays import YearNotice, package_knows

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"


class NoticeError(ValueError):
    def __init__(self, zh: str, en: str):
        self.zh, self.en = zh, en
        super().__init__(en)


def notice_graph(year: int) -> str:
    return f"{GRAPHS}calendar/{year}"


def notices(cat: Catalogue) -> dict[int, YearNotice]:
    """The entered notices, by year."""
    days: dict[int, dict] = {}
    for r in cat.graph.select(query("calendar_notices")):
        year = int(r["year"].value)
        entry = days.setdefault(year, {"holiday": set(), "workday": set(),
                                       "source": r["source"].value if r["source"] else ""})
        if r["day"] is not None:
            entry[r["kind"].value].add(dt.date.fromisoformat(r["day"].value))
    return {year: YearNotice(year, frozenset(d["holiday"]), frozenset(d["workday"]), d["source"])
            for year, d in days.items()}


def parse_days(specs: list[str]) -> frozenset[dt.date]:
    """Days given as YYYY-MM-DD or ranges YYYY-MM-DD..YYYY-MM-DD (both ends included)."""
    found: set[dt.date] = set()
    for spec in specs:
        for part in filter(None, (p.strip() for p in spec.split(","))):
            first, _, last = part.partition("..")
            try:
                start = dt.date.fromisoformat(first)
                end = dt.date.fromisoformat(last) if last else start
            except ValueError:
                raise NoticeError(f"日期须为 YYYY-MM-DD 或 YYYY-MM-DD..YYYY-MM-DD：{part}",
                                  f"days are YYYY-MM-DD or YYYY-MM-DD..YYYY-MM-DD: {part}") from None
            if end < start:
                raise NoticeError(f"日期范围倒置：{part}", f"the range ends before it starts: {part}")
            found.update(start + dt.timedelta(days=i) for i in range((end - start).days + 1))
    return frozenset(found)


def set_notice(cat: Catalogue, notice: YearNotice, access: Access) -> None:
    """Store `notice` (admins only), replacing the one of its year; refused for a year chinese-calendar knows."""
    if not access.admin:
        raise NoticeError("只有管理员可以录入节假日通知", "only an admin enters holiday notices")
    if package_knows(notice.year):
        raise NoticeError(f"已安装的 chinese-calendar 已有 {notice.year} 年的官方数据，无需录入",
                          f"the installed chinese-calendar already has the official data of {notice.year}")
    if not notice.holidays:
        raise NoticeError("通知至少要有一个假日", "a notice has at least one holiday")
    problems = notice.problems()
    if problems:
        raise NoticeError("；".join(zh for zh, _ in problems), "; ".join(en for _, en in problems))
    subject = nt_iri(f"https://w3id.org/govcat/calendar/{notice.year}")
    lines = [f"{subject} {nt_iri(RDF_TYPE)} {nt_iri(GC + 'HolidayNotice')} .",
             f"{subject} {nt_iri(GC + 'year')} {nt_literal(str(notice.year), XSD + 'integer')} .",
             f"{subject} {nt_iri(DCT + 'creator')} {nt_iri(access.user.iri)} .",
             f"{subject} {nt_iri(DCT + 'modified')} {nt_literal(dt.datetime.now(dt.timezone.utc).isoformat(timespec='seconds'), XSD + 'dateTime')} ."]
    if notice.source:
        lines.append(f"{subject} {nt_iri(DCT + 'source')} {nt_literal(notice.source)} .")
    lines += [f"{subject} {nt_iri(GC + 'holiday')} {nt_literal(d.isoformat(), XSD + 'date')} ." for d in sorted(notice.holidays)]
    lines += [f"{subject} {nt_iri(GC + 'adjustedWorkingDay')} {nt_literal(d.isoformat(), XSD + 'date')} ."
              for d in sorted(notice.workdays)]
    graph = notice_graph(notice.year)
    with cat.write_lock:
        cat.commit(ChangeSet(clear={graph}, add=quad_lines(graph, lines)))
