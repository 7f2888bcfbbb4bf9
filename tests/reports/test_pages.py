"""Staff pages: reports list, report page, publication view, sign-off journey, recommendations."""

from __future__ import annotations

from datetime import date

from engage.errors import Refusal
from engage.extensions import db
from engage.mail.models import OutboxEmail
from engage.reports import recommendations as recs
from engage.reports.models import AnnualReport, RecommendationNote, UksaRecommendation
from tests.factories.auth import admin, chief, cso, producer
from tests.factories.outputs import OutputFactory
from tests.factories.reports import (
    RecommendationFactory,
    RecommendationNoteFactory,
    build_year,
)


def test_reports_index_empty_and_start_a_draft(app, login):
    client = login(cso())
    page = client.get("/staff/reports")
    assert page.status_code == 200
    assert b"There are no annual reports yet." in page.data
    response = client.post("/staff/reports", data={"year_start": "2025"})
    assert response.status_code == 302
    report = db.session.execute(db.select(AnnualReport)).scalar_one()
    assert report.year_start == 2025 and report.state == "draft"
    again = client.post("/staff/reports", data={"year_start": "2025"})
    assert again.status_code == 200
    assert b"There is already a report for 2025-26 that has not been signed off" in again.data
    listing = client.get("/staff/reports").get_data(as_text=True)
    assert "2025-26" in listing and "Draft" in listing


def test_report_pages_show_every_section_with_definitions_and_charts(app, login):
    build_year()
    officer = cso()
    client = login(officer)
    client.post("/staff/reports", data={"year_start": "2025"})
    report = db.session.execute(db.select(AnnualReport)).scalar_one()
    html = client.get(f"/staff/reports/{report.id}").get_data(as_text=True)
    for heading in (
        "User engagement",
        "Consultations",
        "Enquiries and complaints",
        "Progress on UK Statistics Authority recommendations",
        "Success stories",
        "Acknowledged within 5 working days of receipt",
        "Responded within 20 working days of receipt",
        "Delay notices and late responses",
        "Referrals to the UK Statistics Authority and their outcomes",
    ):
        assert heading in html, heading
    assert "Publishing quarterly instead of monthly" in html
    assert "User event in Leeds" in html
    main = html.split("<main", 1)[1].split("</main>", 1)[0]
    assert main.count('role="img"') == 3 and 'aria-labelledby="chart-log-sizes-title' in html
    assert "style=" not in html.split("<main", 1)[1]
    published = client.get(f"/staff/reports/{report.id}/for-publication").get_data(as_text=True)
    assert (
        "[c]" in published and "Referrals to the UK Statistics Authority and their" not in published
    )

    # Commentary, then the sign-off journey through the pages.
    assert client.get(f"/staff/reports/{report.id}/commentary").status_code == 200
    client.post(f"/staff/reports/{report.id}/commentary", data={"commentary": "A good year."})
    assert "A good year." in client.get(f"/staff/reports/{report.id}").get_data(as_text=True)
    assert client.get(f"/staff/reports/{report.id}/mark-ready").status_code == 200
    boss = chief()
    assert client.post(f"/staff/reports/{report.id}/mark-ready").status_code == 302
    assert db.session.execute(db.select(OutboxEmail)).scalar_one().to_address == boss.email
    assert client.get(f"/staff/reports/{report.id}/sign-off").status_code == 403
    assert client.post(f"/staff/reports/{report.id}/sign-off").status_code == 403
    boss_client = login(boss)
    assert boss_client.get(f"/staff/reports/{report.id}/sign-off").status_code == 200
    assert boss_client.post(f"/staff/reports/{report.id}/sign-off").status_code == 302
    db.session.expire_all()
    signed = db.session.get(AnnualReport, report.id)
    assert signed.state == "signed_off" and signed.signed_off_by_id == boss.id
    page = boss_client.get(f"/staff/reports/{report.id}").get_data(as_text=True)
    assert "This report was signed off" in page and signed.html in page
    response = client.get(f"/staff/reports/{report.id}/commentary")
    assert response.status_code == 302


def test_the_chief_can_return_a_ready_report_to_draft(app, login):
    from engage.reports import annual

    officer, boss = cso(), chief()
    report = annual.start_draft(2025, officer)
    annual.mark_ready(report, officer)
    assert login(boss).post(f"/staff/reports/{report.id}/return-to-draft").status_code == 302
    db.session.expire_all()
    assert db.session.get(AnnualReport, report.id).state == "draft"


def test_producers_and_admins_cannot_reach_reports(app, login):
    for user in (producer(), admin()):
        client = login(user)
        assert client.get("/staff/reports").status_code == 403
        assert client.get("/staff/reports/recommendations").status_code == 403
    assert login(chief()).get("/staff/reports/1").status_code == 404


def test_recommendation_list_flags_overdue(app, login):
    client = login(cso())
    assert (
        b"No recommendations have been recorded yet."
        in client.get("/staff/reports/recommendations").data
    )
    RecommendationFactory(
        reference="Rec-past-one", status="in_progress", target_on=date(2020, 1, 1)
    )
    RecommendationFactory(reference="R2", status="implemented", target_on=date(2020, 1, 1))
    RecommendationFactory(
        reference="R3",
        status="will_not_implement",
        target_on=date(2020, 1, 1),
        will_not_reason="Too costly.",
    )
    RecommendationFactory(
        reference="Rec-future-four", status="not_started", target_on=date(2099, 1, 1)
    )
    html = client.get("/staff/reports/recommendations").get_data(as_text=True)
    assert html.count("data-overdue") == 1 and "Overdue" in html
    only = client.get("/staff/reports/recommendations?status=overdue").get_data(as_text=True)
    assert "Rec-past-one" in only and "Rec-future-four" not in only


def test_add_edit_and_note_a_recommendation(app, login):
    owner = cso(name="Olu Owner")
    output = OutputFactory(title="Prison population")
    client = login(owner)
    assert client.get("/staff/reports/recommendations/new").status_code == 200
    empty = client.post("/staff/reports/recommendations/new", data={})
    assert empty.status_code == 200
    text = empty.get_data(as_text=True)
    assert "Enter the reference of the recommendation" in text
    assert "Enter the date of the assessment report" in text
    data = {
        "reference": "R7",
        "text": "Publish a quality note.",
        "source_report": "Assessment report 400",
        "source_date": ["3", "2", "2025"],
        "output_ids": [str(output.id)],
        "owner_id": str(owner.id),
        "target_on": ["31", "3", "2026"],
        "status": "will_not_implement",
        "will_not_reason": "",
    }
    refused = client.post("/staff/reports/recommendations/new", data=data)
    assert refused.status_code == 200
    assert b"Enter the reason the recommendation will not be implemented" in refused.data
    data["status"] = "in_progress"
    response = client.post("/staff/reports/recommendations/new", data=data)
    assert response.status_code == 302
    rec = db.session.execute(db.select(UksaRecommendation)).scalar_one()
    assert rec.owner_id == owner.id and [o.title for o in rec.outputs] == ["Prison population"]
    assert rec.source_date == date(2025, 2, 3) and rec.target_on == date(2026, 3, 31)
    detail = client.get(f"/staff/reports/recommendations/{rec.id}").get_data(as_text=True)
    assert "No progress has been recorded yet." in detail
    bad_date = client.post(
        f"/staff/reports/recommendations/{rec.id}/notes",
        data={"noted_on": ["31", "2", "2026"], "note": "x"},
    )
    assert bad_date.status_code == 200 and b"Date of progress must be a real date" in bad_date.data
    ok = client.post(
        f"/staff/reports/recommendations/{rec.id}/notes",
        data={
            "noted_on": ["1", "3", "2026"],
            "note": "Drafted.",
        },
    )
    assert ok.status_code == 302
    assert db.session.execute(db.select(RecommendationNote)).scalar_one().note == "Drafted."
    assert client.get(f"/staff/reports/recommendations/{rec.id}/edit").status_code == 200
    data.update(status="will_not_implement", will_not_reason="Not possible with the data we hold.")
    assert (
        client.post(f"/staff/reports/recommendations/{rec.id}/edit", data=data).status_code == 302
    )
    db.session.expire_all()
    rec = db.session.get(UksaRecommendation, rec.id)
    assert rec.status == "will_not_implement" and rec.will_not_reason.startswith("Not possible")


def test_overdue_rule_and_note_permissions(app):
    today = date(2026, 1, 1)
    late = RecommendationFactory(status="in_progress", target_on=date(2025, 12, 31))
    due_today = RecommendationFactory(status="not_started", target_on=today)
    done = RecommendationFactory(status="implemented", target_on=date(2025, 1, 1))
    assert recs.is_overdue(late, today) and not recs.is_overdue(due_today, today)
    assert not recs.is_overdue(done, today)
    ids = set(
        db.session.execute(
            db.select(UksaRecommendation.id).where(recs.overdue_clause(today))
        ).scalars()
    )
    assert ids == {late.id}
    try:
        recs.add_note(late, today, "x", producer())
    except Refusal:
        pass
    else:
        raise AssertionError("a producer added a note")
    RecommendationNoteFactory(recommendation_id=late.id)


def test_overdue_recommendations_on_the_dashboard(app, login):
    RecommendationFactory(reference="R9", status="in_progress", target_on=date(2020, 1, 1))
    html = login(cso()).get("/staff").get_data(as_text=True)
    assert "1 UK Statistics Authority recommendation overdue" in html and "R9" in html
