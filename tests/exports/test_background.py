"""Background exports: asked for on a page, built by the scheduler's job, fetched only by their
requester or the CSO office, removed after EXPORT_KEEP_HOURS."""

from __future__ import annotations

import io
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from openpyxl import load_workbook

from engage.audit import AuditEvent
from engage.db_types import utcnow
from engage.errors import Refusal
from engage.exports import background
from engage.exports.models import ExportJob
from engage.extensions import db
from engage.jobs import JOBS
from engage.mail.models import OutboxEmail
from engage.scheduler.runner import run_job
from tests.exports.helpers import prepare_and_download
from tests.factories.auth import admin, chief, cso, producer
from tests.factories.outputs import LogEntryFactory, OutputFactory, StakeholderFactory


@pytest.fixture
def logs(app):  # type: ignore[no-untyped-def]
    owner = producer()
    first = OutputFactory(title="Prison Population", producers=[owner])
    second = OutputFactory(title="Court Statistics: Quarterly")  # a ':' a sheet name cannot hold
    for n in range(3):
        LogEntryFactory(output=first, stakeholder=StakeholderFactory(name=f"=Person {n}"))
    LogEntryFactory(output=second)
    return owner


def _ask(client) -> ExportJob:  # type: ignore[no-untyped-def]
    response = client.post("/staff/user-logs.xlsx")
    assert response.status_code == 302
    token = response.headers["Location"].rsplit("/", 1)[1]
    return db.session.execute(db.select(ExportJob).where(ExportJob.token == token)).scalar_one()


def test_the_all_logs_workbook_arrives_with_every_log(app, login, logs):
    officer = cso()
    response = prepare_and_download(login(officer), "/staff/user-logs.xlsx")
    assert response.mimetype.endswith("spreadsheetml.sheet")
    assert response.headers["Cache-Control"] == "no-store"
    book = load_workbook(io.BytesIO(response.data))
    assert book.sheetnames == ["Court Statistics  Quarterly", "Prison Population"]
    names = [row[0] for row in book["Prison Population"].iter_rows(min_row=2, values_only=True)]
    assert names == ["'=Person 0", "'=Person 1", "'=Person 2"]
    # the requester is emailed a link, and the dashboard lists the download
    (email,) = db.session.execute(
        db.select(OutboxEmail).where(OutboxEmail.template == "export_ready")
    ).scalars()
    job = db.session.execute(db.select(ExportJob)).scalar_one()
    assert email.to_address == officer.email and f"/staff/exports/{job.token}" in email.body_text
    dashboard = login(officer).get("/staff").text
    assert "Your downloads" in dashboard and f"/staff/exports/{job.token}/download" in dashboard


def test_a_double_submit_queues_one_job(app, login, logs):
    client = login(cso())
    first, second = _ask(client), _ask(client)
    assert first.id == second.id
    assert db.session.execute(db.select(db.func.count(ExportJob.id))).scalar_one() == 1


def test_only_the_requester_or_the_cso_office_may_fetch_it(app, login, logs):
    requester = admin()  # may export every log, but is not in the CSO office
    job = _ask(login(requester))
    background.build_queued_exports(utcnow())
    url = f"/staff/exports/{job.token}/download"
    assert login(requester).get(url).status_code == 200
    assert login(cso()).get(url).status_code == 200
    assert login(chief()).get(url).status_code == 200
    for outsider in (admin(), producer()):
        client = login(outsider)
        assert client.get(url).status_code == 403
        assert client.get(f"/staff/exports/{job.token}").status_code == 403
    refused = db.session.execute(
        db.select(db.func.count(AuditEvent.id)).where(AuditEvent.action == "access.denied")
    ).scalar_one()
    assert refused == 4
    assert login(cso()).get("/staff/exports/not-a-token/download").status_code == 404
    assert login(cso()).get("/staff/exports/" + "x" * 5000).status_code == 404


def test_a_requester_who_lost_the_permission_can_no_longer_fetch_it(app, login, logs):
    requester = admin()
    job = _ask(login(requester))
    background.build_queued_exports(utcnow())
    client = login(requester)
    requester.set_roles(["producer"])
    db.session.commit()
    assert client.get(f"/staff/exports/{job.token}/download").status_code == 403


def test_a_producer_may_not_ask_for_it(app, login, logs):
    client = login(logs)  # the producer who owns one output
    assert client.get("/staff/user-logs.xlsx").status_code == 403
    assert client.post("/staff/user-logs.xlsx").status_code == 403
    assert db.session.execute(db.select(db.func.count(ExportJob.id))).scalar_one() == 0
    with pytest.raises(Refusal):
        background.request_export(logs, "all_user_logs", {})


def test_downloads_expire_and_their_files_are_removed(app, login, logs):
    officer = cso()
    job = _ask(login(officer))
    background.build_queued_exports(utcnow())
    path = Path(background.file_path(job))
    assert path.is_file() and job.expires_at is not None
    hours = app.config["EXPORT_KEEP_HOURS"]
    assert job.expires_at - job.finished_at == timedelta(hours=hours)
    with time_machine.travel(job.expires_at + timedelta(seconds=1)):
        client = login(officer)
        # refused at once, even before the job removed the file
        gone = client.get(f"/staff/exports/{job.token}/download")
        assert gone.status_code == 410 and "has been removed" in gone.text
        assert path.is_file()
        assert background.remove_expired_exports(utcnow()) == "1 expired exports removed"
        assert not path.exists()
        assert db.session.get(ExportJob, job.id).state == "expired"
        assert client.get(f"/staff/exports/{job.token}/download").status_code == 410
        assert "Your downloads" not in client.get("/staff").text


def test_the_scheduler_job_builds_and_a_failure_is_recorded(app, login):
    from tests.factories.reports import build_year

    build_year()
    from engage.reports import annual

    officer = cso()
    report = annual.start_draft(2025, officer)
    client = login(officer)
    asked = client.post(f"/staff/reports/{report.id}/download/xlsx")
    token = asked.headers["Location"].rsplit("/", 1)[1]
    waiting = client.get(f"/staff/exports/{token}/download")
    assert waiting.status_code == 409 and "being prepared" in waiting.text
    # the report is removed before the scheduler gets to it: the job fails, and says so
    db.session.delete(report)
    db.session.commit()
    run = run_job("build_exports")
    assert run is not None and run.ok and "0 exports built, 1 failed" in run.result
    page = client.get(f"/staff/exports/{token}")
    assert "could not be prepared" in page.text
    assert "build_exports" in JOBS


def test_a_build_interrupted_by_a_killed_scheduler_is_started_again(app, login, logs):
    job = _ask(login(cso()))
    job.state, job.started_at = "running", utcnow() - timedelta(hours=2)
    db.session.commit()
    assert background.build_queued_exports(utcnow()) == "1 exports built, 0 failed"
    assert db.session.get(ExportJob, job.id).state == "ready"


def test_unknown_export_kinds_are_refused(app):
    with pytest.raises(background.ExportError):
        background.request_export(cso(), "everything", {})


def test_the_outputs_list_links_the_workbook_for_those_who_may_ask(app, login, logs):
    assert "/staff/user-logs.xlsx" in login(cso()).get("/staff/outputs").text
    assert "/staff/user-logs.xlsx" not in login(logs).get("/staff/outputs").text
