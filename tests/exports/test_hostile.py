"""What people typed, however odd, never stops an export: control characters that XLSX cannot
hold are dropped from workbooks (kept in CSV), and over-long text is cut to Excel's limit."""

from __future__ import annotations

import csv
import io

from openpyxl import load_workbook

from engage.consultations import responses
from engage.consultations.models import ConsultationAnswer, ConsultationResponse
from engage.extensions import db
from engage.textpolicy import XLSX_MAX_CELL, xlsx_cell
from tests.consultations.helpers import consultation_with_questions
from tests.factories.auth import producer
from tests.factories.outputs import LogEntryFactory, OutputFactory, StakeholderFactory

ODD = "Ann\x01\x08\x0b\x0c\x1fSmith\u2028 \U0001f600"


def test_the_one_cell_guard_drops_what_xml_forbids_guards_formulas_and_cuts_to_excels_limit():
    assert xlsx_cell(ODD) == "Ann  Smith\u2028 \U0001f600"
    assert xlsx_cell("\t=x\r\n") == "'\t=x\r\n"  # a tab or CR first is a formula's start too
    assert xlsx_cell("\r=x") == "'\r=x" and xlsx_cell("@x") == "'@x"
    assert len(xlsx_cell("w" * 100_000)) == XLSX_MAX_CELL


def test_a_user_log_with_control_characters_exports_as_xlsx_and_csv(app, login):
    owner = producer()
    output = OutputFactory(slug="odd-log", producers=[owner])
    person = StakeholderFactory(name=ODD, organisation="=" + "w" * 198)
    LogEntryFactory(output=output, stakeholder=person, uses="x" * 2000)
    client = login(owner)
    book = load_workbook(io.BytesIO(client.get("/staff/outputs/odd-log/user-log.xlsx").data))
    row = next(book.active.iter_rows(min_row=2, values_only=True))
    assert row[0] == "Ann  Smith\u2028 \U0001f600" and row[1] == "'=" + "w" * 198
    text = client.get("/staff/outputs/odd-log/user-log.csv").get_data(as_text=True)
    (line,) = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    assert line["Name"] == "Ann  Smith\u2028 \U0001f600"  # the one cell guard: no controls


def test_a_response_longer_than_a_cell_and_full_of_control_characters_still_exports(app):
    consultation = consultation_with_questions(ad_hoc=True, state="closed")
    text_question = next(q for q in consultation.questions if not q.options)
    response = ConsultationResponse(
        consultation_id=consultation.id, reference="CR-ODD00001", category="public", name=ODD
    )
    db.session.add(response)
    db.session.flush()
    long_answer = "=" + "y" * 40_000 + "\x02"
    db.session.add(
        ConsultationAnswer(response_id=response.id, question_id=text_question.id, text=long_answer)
    )
    db.session.commit()
    workbook = io.BytesIO()
    responses.write_responses_xlsx(consultation, workbook)
    row = next(load_workbook(workbook)["Responses"].iter_rows(min_row=2, values_only=True))
    assert row[3] == "Ann  Smith\u2028 \U0001f600"
    answer = row[8 + consultation.questions.index(text_question)]
    assert answer.startswith("'=yyy") and len(answer) == XLSX_MAX_CELL
    _, rows = responses.export_rows(consultation)
    assert rows[0][8 + consultation.questions.index(text_question)] == "'" + long_answer.rstrip(
        "\x02"
    )  # guarded, no control
