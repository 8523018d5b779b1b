"""Import jobs of the web pages outlive a restart of the server (govcat.catalogue.imports, import_jobs): the upload
and its job are kept in the store folder; a new `Imports` (what a restarted server makes) finds the job with its
report, can commit it, and checks again a job the restart interrupted. A real on-disk store, real checks."""
from __future__ import annotations

import json
import time

import pytest

from govcat.access import Access
from govcat.catalogue import Catalogue
from govcat.catalogue.imports import Imports
from govcat.catalogue.users import add_user, get_user


def _wait(job, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while job.running:
        assert time.monotonic() < deadline, f"the job is still {job.state} at {job.stage}"
        time.sleep(0.1)


@pytest.fixture()
def admin_cat(tmp_path):
    cat = Catalogue.open(tmp_path / "store")
    add_user(cat, "admin1", "admin")
    return cat, Access(get_user(cat, "admin1"))


def test_a_checked_job_and_its_report_survive_a_restart_and_can_be_committed(admin_cat, small_xlsx):
    cat, admin = admin_cat
    first = Imports(cat)
    job = first.add(admin, "目录.xlsx", lambda out: out.write(small_xlsx.read_bytes()))
    _wait(job)
    assert job.state == "checked" and job.committable and job.outcome.new
    before = (len(job.outcome.new), [r.rule for r in job.outcome.report.results], job.outcome.report.counts)

    again = Imports(cat).get(job.id, admin)           # what the restarted server finds
    assert again is not None and again is not job and again.state == "checked" and again.committable
    assert (len(again.outcome.new), [r.rule for r in again.outcome.report.results], again.outcome.report.counts) == before
    assert again.outcome.report.results == job.outcome.report.results
    assert again.filename == "目录.xlsx" and again.user == "admin1"

    second = Imports(cat)
    second.commit(job.id, admin)
    committed = second.get(job.id, admin)
    _wait(committed)
    assert committed.state == "committed" and not committed.path.exists()
    assert cat.graph.ask("ASK { ?e a <https://w3id.org/govcat/def#InformationResource> }")
    assert Imports(cat).get(job.id, admin).state == "committed"


def test_a_job_interrupted_by_a_restart_is_checked_again(admin_cat, small_xlsx):
    cat, admin = admin_cat
    job = Imports(cat).add(admin, "目录.xlsx", lambda out: out.write(small_xlsx.read_bytes()))
    _wait(job)
    saved = cat.folder / "imports" / f"{job.id}.json"
    data = json.loads(saved.read_text(encoding="utf-8"))
    data.update(state="running", mode="commit", outcome=None)       # as if the server died while committing
    saved.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    resumed = Imports(cat).get(job.id, admin)
    _wait(resumed)
    assert resumed.mode == "check" and resumed.state == "checked" and resumed.committable
    assert not cat.graph.ask("ASK { ?e a <https://w3id.org/govcat/def#InformationResource> }")   # nothing written

    data.update(id="copy", state="running")      # a job whose upload is gone says so instead of failing silently
    saved.with_name("copy.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    orphan = Imports(cat).get("copy", admin)
    assert orphan.state == "failed" and "重新上传" in orphan.error[0] and "upload it again" in orphan.error[1]
