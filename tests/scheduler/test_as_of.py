"""`flask jobs run NAME --as-of MOMENT`: a job run as if it were another moment (development
only), through the one clock seam in `Job.execute`. A consultation opens and closes, and a case
deadline passes, at the simulated moments and not before."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from engage.cases.clock import current_calendar
from engage.consultations.models import Consultation
from engage.extensions import db
from engage.jobs import JOBS, parse_as_of
from engage.mail.models import OutboxEmail
from engage.scheduler.models import JobRun
from engage.scheduler.runner import AsOfRefused, run_job
from tests.factories.consultations import ConsultationFactory
from tests.factories.outputs import LogEntryFactory, OutputFactory
from tests.mail.conftest import make_case


def _jobs_run(app, *args: str):  # type: ignore[no-untyped-def]
    db.session.remove()
    result = app.test_cli_runner().invoke(args=["jobs", "run", *args])
    db.session.remove()
    return result


def _templates() -> list[str]:
    return sorted(db.session.execute(db.select(OutboxEmail.template)).scalars())


# --- reading the moment ---------------------------------------------------------------------


def test_a_moment_without_an_offset_is_london_wall_clock_time():
    assert parse_as_of("2027-01-05T09:00") == datetime(2027, 1, 5, 9, 0, tzinfo=UTC)  # GMT
    assert parse_as_of("2027-07-05T09:00") == datetime(2027, 7, 5, 8, 0, tzinfo=UTC)  # BST
    assert parse_as_of("2027-07-05") == datetime(2027, 7, 4, 23, 0, tzinfo=UTC)  # midnight
    assert parse_as_of(" 2027-07-05T09:00+00:00 ") == datetime(2027, 7, 5, 9, 0, tzinfo=UTC)
    # The October hour that happens twice: the first (BST) one.
    assert parse_as_of("2027-10-31T01:30") == datetime(2027, 10, 31, 0, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("2027-03-28T01:30", "does not exist in Europe/London"),  # the clocks skip it
        ("tomorrow", "is not a date and time"),
        ("2027-02-30T09:00", "is not a date and time"),
        ("99999-01-05T09:00", "is not a date and time"),
        ("0001-01-01T00:00", "between 1970 and 2199"),
        ("9999-12-31T23:59", "between 1970 and 2199"),
        ("2027-01-05\x00T09:00", "Give a date and time"),
        ("2027-01-05\nT09:00", "Give a date and time"),
        ("", "Give a date and time"),
        ("9" * 5000, "Give a date and time"),
    ],
)
def test_impossible_moments_are_refused_with_a_message(text, message):
    with pytest.raises(ValueError, match=message):
        parse_as_of(text)


def test_the_cli_refuses_an_impossible_moment_and_runs_nothing(app):
    result = _jobs_run(app, "sla_scan", "--as-of", "2027-03-28T01:30")
    assert result.exit_code == 2
    assert "does not exist in Europe/London" in result.output
    assert db.session.execute(db.select(JobRun)).first() is None


# --- watching things happen ------------------------------------------------------------------


def test_a_consultation_opens_and_closes_at_the_simulated_moments(app):
    output = OutputFactory()
    follower = LogEntryFactory(output=output, engagement_level="consulted").stakeholder.email
    consultation = ConsultationFactory(
        state="approved", opens_on=date(2027, 1, 5), closes_on=date(2027, 2, 16), outputs=[output]
    )
    consultation_id = consultation.id

    def state() -> str:
        db.session.remove()
        return db.session.get(Consultation, consultation_id).state  # type: ignore[union-attr]

    ran = _jobs_run(app, "open_close_consultations", "--as-of", "2027-01-04T23:59")
    assert ran.exit_code == 0, ran.output
    assert ran.output.startswith(
        "open_close_consultations: as of Mon 4 Jan 2027 23:59 Europe/London: "
        "open_due_consultations: 0; close_due_consultations: 0"
    )
    assert state() == "approved"

    ran = _jobs_run(app, "open_close_consultations", "--as-of", "2027-01-05T09:00")
    assert "open_due_consultations: 1; close_due_consultations: 0" in ran.output
    assert state() == "open"
    opened = db.session.execute(db.select(OutboxEmail)).scalar_one()
    assert (opened.template, opened.to_address) == ("consultation_opened", follower)
    stamp = db.session.get(Consultation, consultation_id).opened_at  # type: ignore[union-attr]
    assert stamp == datetime(2027, 1, 5, 9, 0, tzinfo=UTC)

    # A plain run uses the real clock: today is long before the closing date.
    assert _jobs_run(app, "open_close_consultations").exit_code == 0
    assert state() == "open"
    # Open to the end of its closing date, London time, then closed.
    _jobs_run(app, "open_close_consultations", "--as-of", "2027-02-16T23:59")
    assert state() == "open"
    ran = _jobs_run(app, "open_close_consultations", "--as-of", "2027-02-17T00:00")
    assert "close_due_consultations: 1" in ran.output
    assert state() == "closed"

    runs = db.session.execute(db.select(JobRun).order_by(JobRun.id)).scalars().all()
    assert [r.result.startswith("as of ") for r in runs] == [True, True, False, True, True]
    assert all(r.started_at.year == datetime.now(UTC).year for r in runs)  # real run times


def test_a_case_deadline_is_due_soon_then_passes_at_the_simulated_moments(app, cso_address):
    received = date(2027, 1, 4)  # Monday: acknowledge by Monday 11 January
    case = make_case(received)
    assert case.acknowledge_by == date(2027, 1, 11)
    assert current_calendar().add_working_days(received, 5) == date(2027, 1, 11)

    _jobs_run(app, "sla_scan", "--as-of", "2027-01-06T09:00")
    assert _templates() == []
    ran = _jobs_run(app, "sla_scan", "--as-of", "2027-01-07T09:00")  # 2 working days before
    assert "1 deadlines due soon or breached, 1 emails queued" in ran.output
    assert _templates() == ["sla_due_soon"]
    _jobs_run(app, "sla_scan", "--as-of", "2027-01-11T17:00")  # the last day: still due soon
    assert _templates() == ["sla_due_soon"]
    ran = _jobs_run(app, "sla_scan", "--as-of", "2027-01-12T08:05")
    assert "1 emails queued" in ran.output
    assert _templates() == ["sla_breach", "sla_due_soon"]
    assert {e.to_address for e in db.session.execute(db.select(OutboxEmail)).scalars()} == {
        cso_address
    }


def test_deliver_emails_as_of_a_moment_sends_only_what_is_due_by_then(app, smtp_sink):
    run_job("sla_scan", as_of=datetime(2027, 1, 12, 9, 0, tzinfo=UTC))  # nothing to warn of
    make_case(date(2027, 1, 4))
    run_job("sla_scan", as_of=datetime(2027, 1, 12, 9, 0, tzinfo=UTC))
    row = db.session.execute(db.select(OutboxEmail)).scalar_one()
    # Queued now, so an as-of moment an hour ago finds nothing due; the real clock does.
    run = run_job("deliver_emails", as_of=row.next_attempt_at - timedelta(hours=1))
    assert run is not None and run.ok and smtp_sink.messages == []
    run = run_job("deliver_emails")
    assert run is not None and run.ok
    assert [str(m["Subject"]).split(":")[0] for m in smtp_sink.messages] == ["Deadline missed"]


# --- never in production ---------------------------------------------------------------------


def test_as_of_is_refused_in_production_and_runs_nothing(app):
    make_case(date(2027, 1, 4))
    app.config["ENGAGE_ENV"] = "production"
    try:
        result = _jobs_run(app, "sla_scan", "--as-of", "2027-01-12T09:00")
        assert result.exit_code == 2
        assert "refused when ENGAGE_ENV=production" in result.output
        with pytest.raises(AsOfRefused):
            run_job("sla_scan", as_of=datetime(2027, 1, 12, 9, 0, tzinfo=UTC))
        assert db.session.execute(db.select(JobRun)).first() is None
        assert _templates() == []
        # Without --as-of the job still runs in production, on the real clock.
        assert _jobs_run(app, "sla_scan").exit_code == 0
    finally:
        app.config["ENGAGE_ENV"] = "development"


def test_every_job_accepts_a_simulated_moment(app):
    """No job reads the clock behind the seam's back in a way that breaks (each just runs)."""
    for name in JOBS:
        run = run_job(name, as_of=datetime(2027, 1, 12, 9, 0, tzinfo=UTC))
        assert run is not None and run.ok, (name, run and run.result)
