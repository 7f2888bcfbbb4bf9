"""Complaint outcome, themes and what we learned (issue 17): rules per role, the themes list
administrators keep, and the pages."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from engage.cases.complaint_outcomes import (
    add_lesson,
    add_theme,
    complete_lesson,
    lesson_owners,
    lessons_of,
    outcome_of,
    record_outcome,
    set_theme_active,
)
from engage.cases.desk_models import ComplaintTheme
from engage.cases.workflow import CaseError, CaseForbidden
from engage.extensions import db
from tests.factories.auth import admin, chief, cso, producer
from tests.factories.cases import make_case, put_in_state
from tests.factories.outputs import OutputFactory


def _themes(*names: str) -> list[ComplaintTheme]:
    themes = [ComplaintTheme(name=n, active=True) for n in names]
    db.session.add_all(themes)
    db.session.commit()
    return themes


def _responded_complaint(**kw):  # type: ignore[no-untyped-def]
    return put_in_state(make_case(kind="service_complaint", **kw), "responded")


class TestOutcome:
    def test_recorded_after_the_response_and_changed_with_history(self, app):
        accuracy, timeliness = _themes("Accuracy", "Timeliness of publication")
        case = _responded_complaint()
        record_outcome(case, cso(), outcome="partly_upheld", theme_ids=[accuracy.id])
        saved = outcome_of(case)
        assert (saved.outcome, [t.name for t in saved.themes]) == ("partly_upheld", ["Accuracy"])
        record_outcome(case, chief(), outcome="upheld", theme_ids=[accuracy.id, timeliness.id])
        notes = [e.note for e in case.history if e.action == "outcome_recorded"]
        assert notes[0] == "Outcome: Partly upheld\nThemes: Accuracy"
        assert notes[1] == (
            "Outcome: Partly upheld → Upheld\n"
            "Themes: Accuracy → Accuracy, Timeliness of publication"
        )

    def test_refusals(self, app):
        (theme,) = _themes("Accuracy")
        enquiry = put_in_state(make_case(kind="enquiry"), "responded")
        with pytest.raises(CaseError, match="Only a complaint"):
            record_outcome(enquiry, cso(), outcome="upheld", theme_ids=[theme.id])
        open_complaint = make_case(kind="service_complaint")
        with pytest.raises(CaseError, match="full response first"):
            record_outcome(open_complaint, cso(), outcome="upheld", theme_ids=[theme.id])
        case = _responded_complaint()
        with pytest.raises(CaseError, match="Select the outcome"):
            record_outcome(case, cso(), outcome="maybe", theme_ids=[theme.id])
        with pytest.raises(CaseError, match="at least one theme"):
            record_outcome(case, cso(), outcome="upheld", theme_ids=[])
        with pytest.raises(CaseError, match="at least one theme"):
            record_outcome(case, cso(), outcome="upheld", theme_ids=[99999])
        set_theme_active(admin(), theme, False)
        with pytest.raises(CaseError, match="at least one theme"):  # retired: not offered
            record_outcome(case, cso(), outcome="upheld", theme_ids=[theme.id])

    def test_a_retired_theme_stays_on_an_outcome_that_has_it(self, app):
        kept, other = _themes("Accuracy", "Staff conduct")
        case = _responded_complaint()
        record_outcome(case, cso(), outcome="upheld", theme_ids=[kept.id])
        set_theme_active(admin(), kept, False)
        record_outcome(case, cso(), outcome="not_upheld", theme_ids=[kept.id, other.id])
        assert [t.name for t in outcome_of(case).themes] == ["Accuracy", "Staff conduct"]

    def test_who_may_record(self, app):
        (theme,) = _themes("Accuracy")
        me = producer()
        case = _responded_complaint(assigned_to=me)
        with pytest.raises(CaseForbidden):
            record_outcome(case, producer(), outcome="upheld", theme_ids=[theme.id])
        with pytest.raises(CaseForbidden):
            record_outcome(case, admin(), outcome="upheld", theme_ids=[theme.id])
        record_outcome(case, me, outcome="upheld", theme_ids=[theme.id])


class TestLessons:
    def test_added_and_tracked_to_done_by_its_owner(self, app):
        owner = producer()
        case = _responded_complaint(assigned_to=owner)
        lesson = add_lesson(
            case,
            cso(),
            learned="Our release calendar was out of date",
            action="Check the calendar weekly",
            owner=owner,
            due_on=date.today() + timedelta(days=30),
        )
        assert lessons_of(case) == [lesson]
        with pytest.raises(CaseForbidden):
            complete_lesson(lesson, case, producer(), done_on=date.today())
        # Reassigned, the owner no longer sees the complaint, nor its action (confidentiality
        # comes first); the CSO office still can mark it done.
        case.assigned_to = producer()
        db.session.commit()
        with pytest.raises(CaseForbidden):
            complete_lesson(lesson, case, owner, done_on=date.today())
        case.assigned_to = owner
        db.session.commit()
        with pytest.raises(CaseError, match="today or in the past"):
            complete_lesson(lesson, case, owner, done_on=date.today() + timedelta(days=1))
        complete_lesson(lesson, case, owner, done_on=date.today(), note="Done weekly now")
        assert lesson.done_on == date.today() and lesson.done_note == "Done weekly now"
        with pytest.raises(CaseError, match="already done"):
            complete_lesson(lesson, case, cso(), done_on=date.today())

    def test_the_owner_is_someone_who_may_see_the_complaint(self, app):
        office, head, assignee = cso(name="Cass Office"), chief(name="Chris Chief"), producer()
        bystander, maker = producer(), producer()
        case = _responded_complaint(assigned_to=assignee, output=OutputFactory(producers=[maker]))
        cso(name="Gone Officer", active=False)
        admin()
        # Offered: the CSO office and the assignee; not another producer, not the producer of
        # the output (who may not know the complaint exists), not an administrator, not a
        # closed account.
        assert {u.id for u in lesson_owners(case)} == {office.id, head.id, assignee.id}
        for owner in (office, head, assignee):
            add_lesson(case, cso(), learned="x", action=f"act {owner.id}", owner=owner)
        for refused in (bystander, maker, admin(), cso(active=False)):
            with pytest.raises(CaseError, match="may not see this complaint") as error:
                add_lesson(case, cso(), learned="x", action="y", owner=refused)
            assert error.value.field == "owner"
        assert len(lessons_of(case)) == 3
        # Even assigned, a producer of the output (made one after the assignment) may not own it.
        case.output.producers.append(assignee)
        db.session.commit()
        assert assignee.id not in {u.id for u in lesson_owners(case)}
        with pytest.raises(CaseError, match="may not see this complaint"):
            add_lesson(case, cso(), learned="x", action="y", owner=assignee)

    def test_lesson_input_is_checked(self, app):
        case = _responded_complaint()
        owner = cso()
        with pytest.raises(CaseError, match="Enter what we learned"):
            add_lesson(case, cso(), learned=" ", action="x", owner=owner)
        with pytest.raises(CaseError, match="2,000"):
            add_lesson(case, cso(), learned="x" * 2001, action="x", owner=owner)
        with pytest.raises(CaseError, match="owns the action"):
            add_lesson(case, cso(), learned="x", action="y", owner=None)
        with pytest.raises(CaseError, match="today or in the future"):
            add_lesson(case, cso(), learned="x", action="y", owner=owner, due_on=date(2020, 1, 1))


class TestThemes:
    def test_admins_keep_the_list(self, app):
        me = admin()
        theme = add_theme(me, "  Accessibility   of data ")
        assert theme.name == "Accessibility of data"
        with pytest.raises(CaseError, match="already a theme"):
            add_theme(me, "ACCESSIBILITY OF DATA")
        with pytest.raises(CaseError, match="100 characters"):
            add_theme(me, "t" * 101)
        with pytest.raises(CaseForbidden):
            add_theme(cso(), "Staff conduct")

    def test_theme_pages(self, app, login):
        client = login(admin())
        page = client.post("/staff/admin/complaint-themes", data={"name": ""}).get_data(
            as_text=True
        )
        assert "Enter the name of the theme" in page and "govuk-error-summary" in page
        assert (
            client.post("/staff/admin/complaint-themes", data={"name": "FoI handling"}).status_code
            == 302
        )
        theme = db.session.execute(db.select(ComplaintTheme)).scalar_one()
        assert client.post(f"/staff/admin/complaint-themes/{theme.id}/retire").status_code == 302
        db.session.refresh(theme)
        assert theme.active is False
        assert login(cso()).get("/staff/admin/complaint-themes").status_code == 403


class TestPages:
    def test_record_the_outcome_and_a_lesson_through_the_pages(self, app, login):
        (theme,) = _themes("Accuracy")
        case = _responded_complaint()
        client = login(cso())
        page = client.get(f"/staff/cases/{case.reference}").get_data(as_text=True)
        assert "The outcome of this complaint has not been recorded" in page
        page = client.post(f"/staff/cases/{case.reference}/outcome", data={}).get_data(as_text=True)
        assert "Select the outcome of the complaint" in page
        assert "Select at least one theme of the complaint" in page
        response = client.post(
            f"/staff/cases/{case.reference}/outcome",
            data={"outcome": "not_upheld", "themes": [str(theme.id)]},
        )
        assert response.status_code == 302
        owner = chief(name="Chris Chief")
        outsider = producer(name="Pat Producer")
        form = client.get(f"/staff/cases/{case.reference}/lessons/new").get_data(as_text=True)
        assert "Chris Chief" in form and "Pat Producer" not in form  # not offered
        page = client.post(  # nor taken when posted: a GOV.UK error on the owner question
            f"/staff/cases/{case.reference}/lessons/new",
            data={"learned": "x", "action": "y", "owner": str(outsider.id), "due_on": ["", "", ""]},
        )
        assert page.status_code == 200
        text = page.get_data(as_text=True)
        assert "govuk-error-summary" in text and 'href="#owner"' in text
        assert "Pat Producer may not see this complaint" in text
        assert lessons_of(case) == []
        response = client.post(
            f"/staff/cases/{case.reference}/lessons/new",
            data={
                "learned": "We did not say when tables would be revised",
                "action": "Publish a revisions policy",
                "owner": str(owner.id),
                "due_on": ["", "", ""],
            },
        )
        assert response.status_code == 302
        page = client.get(f"/staff/cases/{case.reference}").get_data(as_text=True)
        assert "Not upheld" in page and "Publish a revisions policy" in page
        (lesson,) = lessons_of(case)
        response = client.post(
            f"/staff/cases/{case.reference}/lessons/{lesson.id}/done",
            data={
                "done_on": [
                    str(d) for d in (date.today().day, date.today().month, date.today().year)
                ]
            },
        )
        assert response.status_code == 302
        assert "Done " in client.get(f"/staff/cases/{case.reference}").get_data(as_text=True)

    def test_outcome_page_only_for_responded_complaints_and_their_workers(self, app, login):
        me = producer()
        case = _responded_complaint(assigned_to=me)
        assert login(me).get(f"/staff/cases/{case.reference}/outcome").status_code == 200
        assert login(producer()).get(f"/staff/cases/{case.reference}/outcome").status_code == 403
        enquiry = put_in_state(make_case(), "responded")
        assert login(cso()).get(f"/staff/cases/{enquiry.reference}/outcome").status_code == 403
