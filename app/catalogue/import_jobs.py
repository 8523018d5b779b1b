"""Import jobs on disk (`STORE/imports/`): each upload beside a JSON file of its job — who, which file, where the
check or commit stands, its outcome (the report, what it would write) — rewritten at each change of state, so that
a job outlives a restart of the server. A job the restart interrupted is checked again from its upload."""
from __future__ import annotations

import json
import os
from dataclasses import asdict, fields
from pathlib import Path

from ..terms import Term
from ..validation.engine import Finding
from ..validation.run import Report, Result
from .loading import LoadOutcome

FOLDER = "imports"
_SAVED = ("id", "user", "filename", "created", "mode", "state", "stage", "step", "steps", "elapsed")


def job_json(job) -> dict:
    data = {name: getattr(job, name) for name in _SAVED}
    data["suffix"] = job.path.suffix
    data["error"] = list(job.error) if job.error else None
    data["outside"] = [asdict(o) for o in job.outside]
    outcome = job.outcome
    data["outcome"] = None if outcome is None else {
        "written": outcome.written, "new": outcome.new, "changed": outcome.changed, "unchanged": outcome.unchanged,
        "removed": outcome.removed, "report": {"file": outcome.report.file, "counts": outcome.report.counts,
                                               "results": [asdict(r) for r in outcome.report.results]}}
    return data


def save(folder: Path, job) -> None:
    """Write the job's JSON atomically (a temporary file renamed over the old one)."""
    path = folder / f"{job.id}.json"
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(job_json(job), ensure_ascii=False), encoding="utf-8")
    os.replace(tmp, path)


def load(folder: Path, make_job, make_outside) -> list:
    """The jobs saved in `folder` (unreadable files are skipped), built with `make_job(**fields)`."""
    jobs = []
    for path in sorted(folder.glob("*.json")):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            job = make_job(path=folder / f"{data['id']}{data['suffix']}", **{k: data[k] for k in _SAVED})
        except (OSError, ValueError, KeyError, TypeError):
            continue
        job.error = tuple(data["error"]) if data.get("error") else None
        job.outside = [make_outside(**o) for o in data.get("outside", [])]
        if data.get("outcome"):
            job.outcome = _outcome(data["outcome"])
        jobs.append(job)
    return jobs


def forget(folder: Path, job) -> None:
    job.path.unlink(missing_ok=True)
    (folder / f"{job.id}.json").unlink(missing_ok=True)


def _outcome(data: dict) -> LoadOutcome:
    report = data["report"]
    results = [_result(r) for r in report["results"]]
    return LoadOutcome(Report(report["file"], results, report["counts"]), data["written"], data["new"],
                       data["changed"], data["unchanged"], data["removed"])


def _result(data: dict) -> Result:
    finding = data.pop("finding")
    finding["focus"] = Term(**finding["focus"])
    finding["value"] = Term(**finding["value"]) if finding["value"] else None
    known = {f.name for f in fields(Result)}
    return Result(**{k: v for k, v in data.items() if k in known}, finding=Finding(**finding))
