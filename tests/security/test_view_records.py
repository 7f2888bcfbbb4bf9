"""Complaints are read in confidence (ASVS V16.2 logging of access to sensitive data, V8.2):
every view is recorded, also through subject access and on the action pages; a producer does
not learn a complaint's reference from feedback on their own output."""

from __future__ import annotations

from engage.audit import AuditEvent
from engage.extensions import db
from tests.factories.auth import admin, cso, producer
from tests.factories.cases import make_case
from tests.factories.outputs import FeedbackFactory, OutputFactory

EMAIL = "complainant@example.org"


def _views(reference: str) -> list[dict]:
    return [
        e.detail or {}
        for e in db.session.scalars(
            db.select(AuditEvent).where(
                AuditEvent.action == "case.viewed", AuditEvent.object_id == reference
            )
        )
    ]


def test_subject_access_records_a_view_of_each_complaint_it_shows(app, login):
    complaint = make_case(kind="service_complaint", email=EMAIL)
    enquiry = make_case(kind="enquiry", email=EMAIL)
    client = login(admin())
    page = client.post("/staff/admin/subject-access", data={"email": EMAIL.upper()})
    assert complaint.reference in page.get_data(as_text=True)
    assert [v["how"] for v in _views(complaint.reference)] == ["subject_access"]
    client.post("/staff/admin/subject-access/download", data={"email": EMAIL})
    assert [v["how"] for v in _views(complaint.reference)] == [
        "subject_access",
        "subject_access_download",
    ]
    assert _views(enquiry.reference) == []  # enquiries are not in confidence


def test_an_action_page_records_a_view_of_the_complaint(app, login):
    complaint = make_case(kind="service_complaint", email=EMAIL)
    client = login(cso())
    client.check_pages = False
    for action in ("acknowledge", "assign", "request-clarification"):
        response = client.get(f"/staff/cases/{complaint.reference}/{action}")
        assert response.status_code in (200, 302), action
    shown = [v["how"] for v in _views(complaint.reference)]
    assert "action:acknowledge" in shown and "action:assign" in shown


def test_a_producer_does_not_see_a_complaints_reference_on_feedback(app, login):
    owner = producer()
    output = OutputFactory(producers=[owner])
    complaint = make_case(kind="service_complaint", email=EMAIL, output=output)
    item = FeedbackFactory(output=output, email=EMAIL, case_id=complaint.id)
    page = login(owner).get(f"/staff/feedback/{item.id}").get_data(as_text=True)
    assert complaint.reference not in page and "data-case-hidden" in page
    # The CSO office, who may open it, sees it.
    assert complaint.reference in login(cso()).get(f"/staff/feedback/{item.id}").get_data(
        as_text=True
    )
