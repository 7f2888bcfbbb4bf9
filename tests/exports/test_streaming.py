"""CSV exports stream: the body is a generator that sends the header at once and the rows a
batch at a time as they are read, with the formula guard on every text cell and a dated file
name."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
import sqlalchemy as sa

from engage.calendar import london_date
from engage.cases import clock
from engage.cases.listing import CSV_COLUMNS, export_csv
from engage.cases.models import Case
from engage.db_types import utcnow
from engage.extensions import db
from engage.vocab import SLA_STATUSES
from tests.factories.auth import cso, producer
from tests.factories.cases import make_case, put_in_state
from tests.factories.outputs import LogEntryFactory, OutputFactory, StakeholderFactory

HOSTILE = ["=1+2", "+SUM(A1)", "-2+3", "@cmd", "\t=x", "\r=x"]


def _chunks(response) -> list[str]:  # type: ignore[no-untyped-def]
    return [chunk.decode("utf-8") for chunk in response.response]


def _rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def test_the_case_csv_is_a_generator_whose_rows_arrive_a_batch_at_a_time(app, login):
    app.config["EXPORT_BATCH_ROWS"] = 10
    cases = [make_case(received=date(2026, 3, 2), name=f"Person {n}") for n in range(25)]
    response = login(cso()).get("/staff/cases/export.csv", buffered=False)
    assert response.status_code == 200 and response.is_streamed
    body = iter(response.response)
    header = next(body).decode("utf-8")
    assert _rows(header) == [CSV_COLUMNS]  # the first bytes leave before any row is read
    first_batch = _rows(next(body).decode("utf-8"))
    # Rows arrive while the query is still being read: the first ten, with fifteen to come.
    assert len(first_batch) == 10
    if db.session.get_bind().dialect.name == "postgresql":
        # ... from a server-side cursor that is still open on the request's connection
        open_cursors = db.session.connection().execute(sa.text("SELECT count(*) FROM pg_cursors"))
        assert open_cursors.scalar_one() == 1
    rest = [_rows(chunk.decode("utf-8")) for chunk in body]
    response.close()
    assert [len(batch) for batch in rest] == [10, 5]
    references = [row[0] for batch in [first_batch, *rest] for row in batch]
    assert sorted(references) == sorted(case.reference for case in cases)


def test_the_case_csv_has_a_dated_name_and_guards_every_typed_cell(app, login):
    officer = cso(name='=HYPERLINK("http://evil")')
    output = OutputFactory(title="@SUM(1)")
    subjects = []
    for text in HOSTILE:
        case = make_case(kind="enquiry", message=text + "\nrest", output=output)
        case.assigned_to = officer
        subjects.append(case.subject)
    db.session.commit()
    assert all(subject[0] in "=+-@" for subject in subjects)  # (intake strips tabs)
    response = login(officer).get("/staff/cases/export.csv")
    today = london_date(utcnow()).isoformat()
    assert response.headers["Content-Disposition"] == f'attachment; filename="cases-{today}.csv"'
    assert response.headers["Cache-Control"] == "no-store"
    # One charset parameter (it was "text/csv; charset=utf-8; charset=utf-8").
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert sorted(row["subject"] for row in rows) == sorted("'" + text for text in subjects)
    assert {row["assigned_to"] for row in rows} == {'\'=HYPERLINK("http://evil")'}
    assert {row["output"] for row in rows} == {"'@SUM(1)"}


def test_each_row_carries_the_clocks_own_status_and_outcomes(app):
    """The export's SLA status and outcome columns (the rules read as SQL) are the clock's
    Python reading of the same case, for cases in every state."""
    made = []
    for state in ("received", "acknowledged", "responded", "closed", "withdrawn"):
        made.append(put_in_state(make_case(received=date(2026, 3, 2)), state))
    made.append(make_case(received=london_date(utcnow())))
    made.append(put_in_state(make_case(received=london_date(utcnow())), "acknowledged"))
    today, cal = london_date(utcnow()), clock.current_calendar()
    rows = list(csv.DictReader(io.StringIO(export_csv(cso(), today, cal))))
    by_reference = {row["reference"]: row for row in rows}
    for case in made:
        case = db.session.get(Case, case.id)
        row = by_reference[case.reference]
        assert row["sla_status"] == SLA_STATUSES[clock.sla_status(case, today, cal)]
        assert {k: row[k] for k in ("acknowledge_outcome", "respond_outcome")} == (
            clock.outcome_words(case)
        )
    assert len({row["sla_status"] for row in rows}) >= 3  # the cases are in different states
    assert len({row["respond_outcome"] for row in rows}) >= 2


def test_a_producers_export_holds_only_their_own_cases_and_no_other_complaint(app, login):
    owner, other = producer(), producer()
    mine = make_case(kind="enquiry", assigned_to=owner)
    make_case(kind="service_complaint", message="Confidential")
    make_case(kind="foi_complaint", assigned_to=other)
    make_case(kind="enquiry", assigned_to=other)
    body = login(owner).get("/staff/cases/export.csv").get_data(as_text=True)
    rows = list(csv.DictReader(io.StringIO(body)))
    assert [row["reference"] for row in rows] == [mine.reference]
    assert "Confidential" not in body and "complaint" not in body.lower()


@pytest.fixture
def user_log(app):  # type: ignore[no-untyped-def]
    owner = producer()
    output = OutputFactory(slug="prison-population", producers=[owner])
    for n, name in enumerate(HOSTILE):
        person = StakeholderFactory(name=name, email=f"p{n}@example.org")
        LogEntryFactory(output=output, stakeholder=person, uses="=cmd|' /C calc'!A0")
    return owner, output


def test_the_user_log_csv_streams_in_batches_with_a_dated_name(app, login, user_log):
    app.config["EXPORT_BATCH_ROWS"] = 4
    owner, output = user_log
    response = login(owner).get(f"/staff/outputs/{output.slug}/user-log.csv", buffered=False)
    today = london_date(utcnow()).isoformat()
    name = f"user-log-{output.slug}-{today}.csv"
    assert response.headers["Content-Disposition"] == f'attachment; filename="{name}"'
    chunks = _chunks(response)
    assert chunks[0].startswith("\ufeffName,Organisation")
    assert [len(_rows(chunk)) for chunk in chunks[1:]] == [4, 2]
    rows = list(csv.DictReader(io.StringIO("".join(chunks).lstrip("\ufeff"))))
    assert sorted(row["Name"] for row in rows) == sorted("'" + text for text in HOSTILE)
    assert {row["Uses"] for row in rows} == {"'=cmd|' /C calc'!A0"}


def test_the_consultation_responses_csv_streams_every_response(app, login):
    from engage.consultations.models import ConsultationAnswer, ConsultationResponse
    from tests.consultations.helpers import consultation_with_questions

    app.config["EXPORT_BATCH_ROWS"] = 3
    consultation = consultation_with_questions(ad_hoc=True, state="closed")
    question = consultation.questions[0]
    for n in range(7):
        response = ConsultationResponse(
            consultation_id=consultation.id,
            reference=f"CR-STREAM0{n}",
            category="public",
            name=HOSTILE[n % len(HOSTILE)],
        )
        db.session.add(response)
        db.session.flush()
        db.session.add(
            ConsultationAnswer(response_id=response.id, question_id=question.id, choices=["Yes"])
        )
    db.session.commit()
    url = f"/staff/consultations/{consultation.slug}/responses.csv"
    response = login(cso()).get(url, buffered=False)
    assert response.is_streamed
    today = london_date(utcnow()).isoformat()
    name = f"{consultation.slug}-responses-{today}.csv"
    assert response.headers["Content-Disposition"] == f'attachment; filename="{name}"'
    rows = _rows("".join(_chunks(response)))
    assert [row[0] for row in rows[1:]] == [f"CR-STREAM0{n}" for n in range(7)]
    assert all(row[3].startswith("'") for row in rows[1:])
    assert {row[8] for row in rows[1:]} == {"Yes"}
