"""engage/vocab.py: the places a case may be transferred to are named once; every page, email,
form and report table takes its words from there."""

from __future__ import annotations

from engage.cases import workflow
from engage.cases.forms import TransferForm
from engage.cases.rules import TRANSFER_FOR_KIND
from engage.extensions import db
from engage.mail.models import OutboxEmail
from engage.vocab import TRANSFER_LABELS, TRANSFER_TARGETS
from tests.factories.auth import cso
from tests.factories.cases import make_case


def test_the_labels_are_the_targets_named_as_labels():
    assert TRANSFER_LABELS == {
        "foi": "Freedom of Information team",
        "internal_review": "FoI internal review",
        "press_office": "Press office",
    }
    assert set(TRANSFER_TARGETS) == set(TRANSFER_FOR_KIND.values())


def test_the_form_the_history_the_email_and_the_case_page_use_the_one_wording(app, login):
    with app.test_request_context():
        assert TransferForm(meta={"csrf": False}).to.choices == list(TRANSFER_LABELS.items())
    officer = cso()
    case = make_case(kind="foi_complaint")
    workflow.transfer(case, officer, to="internal_review", reference="IR-7")
    assert case.history[-1].note.startswith("Transferred to the FoI internal review")
    email = db.session.execute(db.select(OutboxEmail)).scalars().all()[-1]
    assert "to the FoI internal review, whose reference is IR-7" in email.body_text
    page = login(officer).get(f"/staff/cases/{case.reference}").get_data(as_text=True)
    assert " to the FoI internal review (reference IR-7)" in page


def test_the_case_page_and_the_action_forms_say_a_method_in_the_same_words():
    from engage.cases.sla.delivered import ACKNOWLEDGEMENT_METHODS
    from engage.cases.workflow import CONTACT_METHODS, RESPONSE_METHODS
    from engage.vocab import METHOD_PHRASES

    for choices in (ACKNOWLEDGEMENT_METHODS, RESPONSE_METHODS, CONTACT_METHODS):
        for method, label in choices.items():
            assert label.lower() == METHOD_PHRASES[method]
    assert ACKNOWLEDGEMENT_METHODS["in_person"] == "In person"
    assert RESPONSE_METHODS == {"email": "By email", "post": "By post", "phone": "By phone"}
