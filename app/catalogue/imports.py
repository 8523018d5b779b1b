"""Workbook imports for the web pages (issue 8, item 5; no HTTP here): an uploaded file is kept in a
temporary folder under a random id, checked in a background thread (the dry run of `govcat load`), and
loaded when the user commits it — without being uploaded again. The uploads and their jobs live in the store
folder (`STORE/imports/`, `import_jobs`), so that a restart of the server loses neither; a check or commit the
restart interrupted is checked again.

    imports = Imports(cat)
    job = imports.add(access, "目录.xlsx", lambda out: shutil.copyfileobj(upload, out))   # starts the check
    imports.get(job.id, access).status()       # {"state": "running", "stage": …, "percent": …}
    imports.commit(job.id, access)             # loads it (checked again, under the write lock)

The check and the commit are `loading.load_file` (dry run, then for real); its steps are the progress.
An editor may import only records of their own department: after a clean dry run, every record the file
would create or change is looked up in the file (queries/import_owners.rq) and, if it exists, in the
store; a record of another department is named with its sheet and row, and nothing can be committed. The
files and the jobs are forgotten after a day."""
from __future__ import annotations

import logging
import secrets
import threading
import time
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path

from govcat.loaders import LoadError, load_path

from ..access import Access
from . import import_jobs
from ..namespaces import GC, RDF_TYPE
from ..queries import query
from ..store import Graph
from .loading import LOAD_STEPS, LoadOutcome, load_file
from .records import KINDS, owner_of_record
from .repository import Catalogue
from .users import get_user

log = logging.getLogger("govcat.imports")

KEEP_SECONDS = 24 * 3600
SUFFIXES = (".xlsx", ".xlsm")
OWNER_STEP = "检查所属部门 / checking departments"


@dataclass(frozen=True)
class Outside:
    """A record of the file that belongs to another department than the importing editor's."""
    sheet: str | None
    row: int | None
    code: str


@dataclass
class ImportJob:
    id: str
    user: str
    filename: str
    path: Path
    created: float = field(default_factory=time.time)
    mode: str = "check"               # check | commit
    state: str = "running"            # running | checked | committed | failed
    stage: str = ""
    step: int = 0
    steps: int = LOAD_STEPS - 1
    started: float = field(default_factory=time.monotonic)
    elapsed: float = 0.0
    outcome: LoadOutcome | None = None
    outside: list[Outside] = field(default_factory=list)
    error: tuple[str, str] | None = None

    @property
    def running(self) -> bool:
        return self.state == "running"

    @property
    def committable(self) -> bool:
        """Checked, without Violations or other departments' records, and with something to write."""
        outcome = self.outcome
        return (self.state == "checked" and outcome is not None and outcome.report.conforms and not self.outside
                and bool(outcome.new or outcome.changed))

    def percent(self) -> int:
        if not self.running:
            return 100
        return min(95, int(100 * max(self.step - 1, 0) / max(self.steps, 1)))

    def progress(self, stage: str) -> None:
        self.stage, self.step = stage, self.step + 1

    def status(self) -> dict:
        elapsed = time.monotonic() - self.started if self.running else self.elapsed
        return {"state": self.state, "mode": self.mode, "stage": self.stage, "step": self.step, "steps": self.steps,
                "percent": self.percent(), "elapsed": round(elapsed, 1)}


class Imports:
    """The uploaded files and their jobs, for one catalogue (one per server)."""

    def __init__(self, cat: Catalogue):
        self.cat = cat
        self.folder = cat.folder / import_jobs.FOLDER
        self.folder.mkdir(exist_ok=True)
        self._jobs: dict[str, ImportJob] = {}
        self._lock = threading.Lock()
        for job in import_jobs.load(self.folder, ImportJob, Outside):
            self._jobs[job.id] = job
            if job.running:                # interrupted by a restart: checked again from the upload
                self._resume(job)

    def _resume(self, job: ImportJob) -> None:
        user = get_user(self.cat, job.user)
        if user is None or not job.path.exists():
            job.state, job.error = "failed", ("服务器重启时中断，且无法重新检查：请重新上传",
                                              "interrupted by a restart and cannot be checked again: upload it again")
            import_jobs.save(self.folder, job)
            return
        access = Access(user)
        job.mode, job.step, job.started, job.outcome, job.outside = "check", 0, time.monotonic(), None, []
        job.steps = LOAD_STEPS - 1 + (0 if access.admin else 1)
        self._start(job, access)

    def add(self, access: Access, filename: str, write: Callable) -> ImportJob:
        """Keep an uploaded workbook (`write(binary_file)` copies it) and start its check."""
        self._forget_old()
        job_id = secrets.token_urlsafe(16)
        path = self.folder / f"{job_id}{Path(filename).suffix.lower()}"
        with open(path, "wb") as out:
            write(out)
        job = ImportJob(job_id, access.user.name, Path(filename).name, path)
        job.steps = LOAD_STEPS - 1 + (0 if access.admin else 1)
        with self._lock:
            self._jobs[job_id] = job
        import_jobs.save(self.folder, job)
        self._start(job, access)
        return job

    def get(self, job_id: str, access: Access) -> ImportJob | None:
        """The job, if it is this user's (an admin sees every job)."""
        job = self._jobs.get(job_id)
        if job is None or access.user is None or not (access.admin or job.user == access.user.name):
            return None
        return job

    def commit(self, job_id: str, access: Access) -> ImportJob | None:
        job = self.get(job_id, access)
        if job is None or not job.committable:
            return job
        job.mode, job.state, job.step, job.started = "commit", "running", 0, time.monotonic()
        job.steps = LOAD_STEPS if access.admin else 2 * LOAD_STEPS
        import_jobs.save(self.folder, job)
        self._start(job, access)
        return job

    def _start(self, job: ImportJob, access: Access) -> None:
        threading.Thread(target=self._run, args=(job, access), name=f"import-{job.id[:6]}", daemon=True).start()

    def _run(self, job: ImportJob, access: Access) -> None:
        writing = job.mode == "commit"
        try:
            with self.cat.write_lock if writing else nullcontext():
                outcome = job.outcome
                if not (writing and access.admin):           # an editor's commit is checked again first
                    outcome = load_file(self.cat, job.path, job.user, dry_run=True, progress=job.progress)
                    if outcome.report.conforms and not access.admin:
                        job.progress(OWNER_STEP)
                        job.outside = outside_department(self.cat, job.path, outcome, access.user.department)
                if writing and (access.admin or (outcome.report.conforms and not job.outside)):
                    outcome = load_file(self.cat, job.path, job.user, progress=job.progress)
            job.outcome = outcome
            job.state = "committed" if writing and outcome.report.conforms and not job.outside else "checked"
        except LoadError as exc:
            job.error = tuple(exc.text(lang).replace(str(job.path), job.filename) for lang in ("zh", "en"))
            job.state = "failed"
        except Exception as exc:      # reported on the page; the server goes on
            log.exception("导入失败 / import failed: %s", job.filename)
            job.error, job.state = (f"导入出错：{exc}", f"the import failed: {exc}"), "failed"
        finally:
            job.elapsed = time.monotonic() - job.started
        if job.state == "committed":
            job.path.unlink(missing_ok=True)
        import_jobs.save(self.folder, job)

    def _forget_old(self) -> None:
        limit = time.time() - KEEP_SECONDS
        with self._lock:
            for job_id in [j.id for j in self._jobs.values() if j.created < limit and not j.running]:
                import_jobs.forget(self.folder, self._jobs.pop(job_id))


def outside_department(cat: Catalogue, path: Path, outcome: LoadOutcome, department: str | None) -> list[Outside]:
    """The records the load would create or change that are not `department`'s, in the file or in the store."""
    loaded = load_path(path)
    graph = Graph()
    graph.load(loaded.ntriples, loaded.rdf_format)
    found = {}
    for row in graph.select(query("import_owners")):
        owner = row["owner"].value if row["owner"] is not None else None
        if owner is None and row["system"] is not None:          # a flow from a system of the store
            stored = cat.admin_value(row["system"].value, GC + "ownerDepartment")
            owner = stored.value if stored is not None else None
        found[row["record"].value] = (row["code"].value, owner)
    kinds = {kind.cls: kind for kind in KINDS.values()}
    outside = []
    for record in sorted(set(outcome.new) | set(outcome.changed)):
        code, owner = found.get(record, (record, None))
        cls = cat.admin_value(record, RDF_TYPE)            # stored records: their owner now counts too
        kind = kinds.get(cls.value) if cls is not None else None
        stored = owner_of_record(cat, kind, record) if kind is not None else None
        if owner is None or owner != department or (kind is not None and stored != department):
            sheet, row = loaded.sources.get(record, (None, None))
            outside.append(Outside(sheet, row, code))
    return sorted(outside, key=lambda o: (o.sheet or "", o.row or 0))


__all__ = ["ImportJob", "Imports", "Outside", "SUFFIXES", "outside_department"]
