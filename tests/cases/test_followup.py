"""After a case (issue 17): a follow-up from the requester as a new linked case with its own
clocks; a mistaken transfer undone by the CSO office with a reason."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from engage.cases import workflow
from engage.cases.followup import linked_cases, open_follow_up, undo_transfer
from engage.cases.workflow import CaseError, CaseForbidden
from engage.extensions import db
from tests.factories.auth import cso, producer
from tests.factories.cases import RECEIVED, at, make_case, put_in_state


class TestFollowUp:
    def test_a_new_linked_case_with_its_own_clocks(self, app):
        first = put_in_state(make_case(kind="service_complaint"), "closed")
        new = open_follow_up(
            first, cso(), received_on=date(2026, 4, 1), channel="letter", message="Still unhappy"
        )
        assert new.linked_case_id == first.id and new.kind == "service_complaint"
        assert new.requester_email == first.requester_email
        assert (new.received_on, new.acknowledge_by, new.respond_by) == (
            date(2026, 4, 1),
            date(2026, 4, 10),  # Good Friday (3) and Easter Monday (6 April) are not counted
            date(2026, 5, 1),
        )
        assert new.subject.startswith(f"Follow-up to {first.reference}")
        assert linked_cases(first) == (None, [new])
        assert linked_cases(new) == (first, [])
        assert (
            first.history[-1].note == f"The requester wrote again: follow-up case {new.reference}"
        )

    def test_only_after_a_full_response_and_by_the_office(self, app):
        open_case = make_case()
        with pytest.raises(CaseError, match="full response"):
            open_follow_up(open_case, cso(), received_on=RECEIVED, channel="email", message="x")
        me = producer()
        done = put_in_state(make_case(assigned_to=me), "responded")
        with pytest.raises(CaseForbidden):
            open_follow_up(done, me, received_on=date(2026, 4, 1), channel="email", message="x")
        with pytest.raises(CaseError, match="on or after the day of the full response"):
            open_follow_up(done, cso(), received_on=RECEIVED, channel="email", message="x")

    def test_through_the_page(self, app, login):
        first = put_in_state(make_case(), "responded")
        client = login(cso())
        assert "Record a follow-up" in client.get(f"/staff/cases/{first.reference}").get_data(
            as_text=True
        )
        page = client.post(f"/staff/cases/{first.reference}/follow-up", data={}).get_data(
            as_text=True
        )
        assert "Enter the date it was received" in page and "Enter what the requester wrote" in page
        response = client.post(
            f"/staff/cases/{first.reference}/follow-up",
            data={"received_on": ["1", "4", "2026"], "channel": "email", "message": "Again"},
        )
        assert response.status_code == 302
        page = client.get(response.headers["Location"]).get_data(as_text=True)
        assert "A follow-up to case" in page and first.reference in page


class TestUndoTransfer:
    def test_back_to_where_it_was_with_the_clock_running_again(self, app):
        case = make_case(kind="unpublished_statistics")
        workflow.acknowledge(case, cso(), method="post", on=RECEIVED, now=at(RECEIVED))
        workflow.transfer(case, cso(), to="foi", reference="FOI-9", now=at(RECEIVED + timedelta(2)))
        assert case.respond_by == date(2026, 3, 30)
        undo_transfer(case, cso(), reason="It was about published tables after all")
        assert case.state == "acknowledged"
        assert (case.transferred_to, case.transferred_on, case.transfer_reference) == (
            None,
            None,
            None,
        )
        event = case.history[-1]
        assert event.action == "transfer_undone"
        assert "Transfer to the Freedom of Information team undone (reference FOI-9)" in event.note
        assert "Reason: It was about published tables after all" in event.note
        db.session.refresh(case)
        assert case.sla_outcome is None  # running again

    def test_press_office_redirect_is_reopened(self, app):
        case = make_case(kind="media")
        workflow.transfer(case, cso(), to="press_office")
        assert case.closed_at is not None
        undo_transfer(case, cso(), reason="Not a journalist")
        assert case.closed_at is None and case.state == "received"

    def test_refusals(self, app):
        me = producer()
        case = put_in_state(make_case(kind="unpublished_statistics", assigned_to=me), "transferred")
        with pytest.raises(CaseForbidden):
            undo_transfer(case, me, reason="x")
        with pytest.raises(CaseError, match="why the transfer"):
            undo_transfer(case, cso(), reason=" ")
        with pytest.raises(CaseError, match="Only a transferred case"):
            undo_transfer(make_case(), cso(), reason="x")

    def test_through_the_page(self, app, login):
        case = put_in_state(make_case(kind="unpublished_statistics"), "transferred")
        client = login(cso())
        assert "Undo the transfer" in client.get(f"/staff/cases/{case.reference}").get_data(
            as_text=True
        )
        response = client.post(
            f"/staff/cases/{case.reference}/undo-transfer", data={"reason": "Wrong team"}
        )
        assert response.status_code == 302
        assert db.session.get(type(case), case.id).state == "received"
        assert (
            login(producer()).get(f"/staff/cases/{case.reference}/undo-transfer").status_code == 403
        )
