"""What the web forms of sharing requests (共享申请) take from the core: each field's name and description
from the shapes (sh:name) or the ontology (rdfs:label, skos:definition), the findings of a refused step
placed at their fields by the rule's sh:path, the channels of the code list, and the working days left
before a request's due date. No HTTP here: govcat.web.pages.requests renders the forms."""
from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass

from .calendar_notices import notices
from .catalogue.repository import Catalogue
from .namespaces import GC
from .queries import query
from .schema import code_lists
from .terms import literal
from .validation.run import Report, Result
from .workdays import CalendarRangeError, beijing_today, working_days_between

# form field -> the property of gc:SharingRequest it fills
FIELDS = {"resource": GC + "requestedResource", "consumer": GC + "consumer", "system": GC + "targetSystem",
          "items": GC + "requestedItemName", "purpose": GC + "purpose", "basis": GC + "useBasis",
          "channel": GC + "requestedChannel", "use_from": GC + "useFrom", "use_until": GC + "useUntil",
          "reason": GC + "decisionReason", "state": GC + "requestState", "submitted": GC + "submittedOn",
          "due": GC + "dueDate", "decided": GC + "decidedOn", "provider": GC + "provider",
          "flow": GC + "grantedFlow", "working_days": GC + "workingDaysToDecide", "requester": GC + "requester",
          "decided_by": GC + "decidedBy", "ended": GC + "endedOn"}
_PATHS = {prop: name for name, prop in FIELDS.items()}


@dataclass(frozen=True)
class FieldLabel:
    name: str
    description: str | None


_labels: dict[str, dict[str, FieldLabel]] = {}
_lock = threading.Lock()


def field_labels(cat: Catalogue, lang: str) -> dict[str, FieldLabel]:
    """Form field -> its name and description in `lang`: the request shapes' sh:name where they give one,
    else the ontology's label (the vocabulary does not change while the store is open: read once)."""
    with _lock:
        if lang not in _labels:
            shape: dict[str, FieldLabel] = {}
            ontology: dict[str, FieldLabel] = {}
            for r in cat.graph.select(query("request_labels"), {"lang": literal(lang)}):
                kept = shape if r["source"].value == "shape" else ontology
                name = r["label"].value
                kept[r["property"].value] = FieldLabel(name[:1].upper() + name[1:],      # "purpose" -> "Purpose"
                                                       r["definition"].value if r["definition"] else None)
            _labels[lang] = {name: shape.get(prop) or ontology.get(prop) or FieldLabel(name, None)
                             for name, prop in FIELDS.items()}
        return _labels[lang]


def place(report: Report | None) -> tuple[dict[str, list[Result]], list[Result]]:
    """The findings of a refused step by form field (their sh:path), and those that name no field."""
    by_field: dict[str, list[Result]] = {}
    elsewhere: list[Result] = []
    for r in report.results if report else []:
        name = _PATHS.get(r.path or "")
        if name is None:
            elsewhere.append(r)
        else:
            by_field.setdefault(name, []).append(r)
    return by_field, elsewhere


def channels() -> tuple[str, ...]:
    """The exchange channels a request may ask for (code list gc:ExchangeChannel), the default first."""
    return code_lists()[GC + "ExchangeChannel"].labels


def working_days_left(cat: Catalogue, due: str | None, today: dt.date | None = None) -> int | None:
    """Working days from today (Beijing) to the due date, the due day included; None when the calendar
    does not reach that far."""
    if not due:
        return None
    try:
        return working_days_between(today or beijing_today(), dt.date.fromisoformat(due), notices(cat))
    except CalendarRangeError:
        return None


__all__ = ["FIELDS", "FieldLabel", "channels", "field_labels", "place", "working_days_left"]
