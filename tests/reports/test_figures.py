"""Every figure of the annual report for a known year, checked exactly."""

from __future__ import annotations

from datetime import date

from engage.cases.sla import rules
from engage.extensions import db
from engage.reports.figures import compute_figures, parse_year, table_by_key, year_label
from tests.factories.reports import AS_OF, build_year, make_case


def rows(figures, key):  # type: ignore[no-untyped-def]
    return table_by_key(figures, key)["rows"]


def test_year_labels_and_parsing():
    assert year_label(2025) == "2025-26"
    assert year_label(2099) == "2099-00"
    assert parse_year("2025-26") == 2025
    assert parse_year("2025") == 2025
    for bad in ("2025-27", "25-26", "twenty", "2025-2026"):
        try:
            parse_year(bad)
        except ValueError:
            continue
        raise AssertionError(bad)


def test_cases_figures(app):
    build_year()
    figures = compute_figures(2025, AS_OF)
    assert figures["period_start"] == "2025-04-01" and figures["period_end"] == "2026-03-31"
    # received; met, missed, not measured, still open; transferred, withdrawn
    assert rows(figures, "cases_received") == [
        ["Enquiry about published statistics", 7, 6, 0, 1, 0, 0, 1],
        ["Request for statistics not in existing publications", 1, 0, 0, 1, 0, 1, 0],
        ["Request for statistics in a different format", 0, 0, 0, 0, 0, 0, 0],
        ["Media enquiry", 1, 0, 0, 1, 0, 1, 0],
        ["Complaint about the service", 5, 3, 1, 0, 1, 0, 0],
        ["Complaint about information provided under Freedom of Information", 1, 0, 0, 1, 0, 1, 0],
        ["Total", 15, 9, 1, 4, 1, 3, 1],
    ]
    # received, not measured, not yet due, measured, met, missed, deadline passed, share
    assert rows(figures, "acknowledged") == [
        ["Enquiry about published statistics", 7, 1, 0, 6, 6, 0, 0, "100%"],
        ["Request for statistics not in existing publications", 1, 1, 0, 0, 0, 0, 0, "–"],
        ["Request for statistics in a different format", 0, 0, 0, 0, 0, 0, 0, "–"],
        ["Media enquiry", 1, 1, 0, 0, 0, 0, 0, "–"],
        ["Complaint about the service", 5, 0, 0, 5, 3, 1, 1, "60%"],
        [
            "Complaint about information provided under Freedom of Information",
            1,
            1,
            0,
            0,
            0,
            0,
            0,
            "–",
        ],
        ["Total", 15, 4, 0, 11, 9, 1, 1, "82%"],
    ]
    # c2 answered late after a delay notice: missed; c5 never answered: deadline passed.
    assert rows(figures, "responded")[4] == [
        "Complaint about the service",
        5,
        0,
        0,
        5,
        3,
        1,
        1,
        "60%",
    ]
    assert rows(figures, "responded")[-1] == ["Total", 15, 4, 0, 11, 9, 1, 1, "82%"]
    assert rows(figures, "delay_notices")[4] == ["Complaint about the service", 1, 1, 1, 0]
    assert rows(figures, "delay_notices")[-1] == ["Total", 1, 1, 1, 0]
    assert rows(figures, "transfers") == [
        ["Freedom of Information team", 1],
        ["FoI internal review", 1],
        ["Press office", 1],
        ["Total", 3],
    ]
    assert rows(figures, "uksa_referrals") == [
        ["Outcome received", 1],
        ["Awaiting the Authority's outcome", 1],
        ["Referred during the year", 2],
    ]
    outcomes = rows(figures, "uksa_referral_outcomes")
    assert [r[2] for r in outcomes] == ["2025-06-15", "2026-02-01"]
    assert outcomes[0][4].startswith("Not upheld") and outcomes[1][4] == "Awaiting outcome"


def test_every_cases_table_states_its_definition(app):
    figures = compute_figures(2025, AS_OF)
    # One sentence each, taken from the one definition of the clock.
    assert table_by_key(figures, "acknowledged")["definition"] == rules.ACKNOWLEDGE.definition
    assert table_by_key(figures, "responded")["definition"] == rules.RESPOND.definition
    assert rules.CASE_DEFINITION in table_by_key(figures, "cases_received")["definition"]
    assert "even if a delay notice was sent" in rules.RESPOND.definition
    for key in ("cases_received", "delay_notices", "transfers", "uksa_referrals"):
        assert table_by_key(figures, key)["definition"]


def test_open_cases_before_their_deadline_are_not_yet_due(app):
    received = date(2026, 3, 25)
    make_case("service_complaint", received, acknowledged_on=received, state="acknowledged")
    make_case("enquiry", received, state="received")
    # Paused for clarification while still in time: not yet due, even after respond-by.
    make_case("enquiry", received, state="awaiting_clarification", paused_on=date(2026, 3, 30))
    figures = compute_figures(2025, date(2026, 4, 1))
    assert rows(figures, "acknowledged")[-1] == ["Total", 3, 0, 2, 1, 1, 0, 0, "100%"]
    assert rows(figures, "responded")[-1] == ["Total", 3, 0, 3, 0, 0, 0, 0, "–"]
    later = compute_figures(2025, date(2026, 6, 1))
    # The pause does not stop the acknowledge clock: the paused case's deadline passed.
    assert rows(later, "acknowledged")[-1] == ["Total", 3, 0, 0, 3, 1, 0, 2, "33%"]
    assert rows(later, "responded")[-1] == ["Total", 3, 0, 1, 2, 0, 0, 2, "0%"]


def test_user_engagement_figures(app):
    build_year()
    figures = compute_figures(2025, AS_OF)
    # category, access, informed, consulted, involved, total (entries existing at 31 March)
    assert rows(figures, "log_sizes") == [
        ["Government", 6, 2, 0, 0, 8],
        ["Parliament", 0, 0, 0, 0, 0],
        ["International bodies", 0, 0, 0, 0, 0],
        ["Academics and researchers", 0, 0, 5, 1, 6],
        ["Expert organisations", 0, 0, 0, 0, 0],
        ["Media", 0, 0, 0, 0, 0],
        ["Public", 10, 0, 0, 0, 10],
        ["Total", 16, 2, 5, 1, 24],
    ]
    assert rows(figures, "new_users") == [
        ["Government", 2, 2],
        ["Parliament", 0, 0],
        ["International bodies", 0, 0],
        ["Academics and researchers", 0, 1],
        ["Expert organisations", 0, 0],
        ["Media", 0, 0],
        ["Public", 10, 10],
        ["Total", 12, 13],
    ]
    contacts = {r[0]: r[1] for r in rows(figures, "contacts")}
    assert contacts["Email"] == 3 and contacts["Meeting"] == 1 and contacts["Phone"] == 0
    assert contacts["Total"] == 4
    assert rows(figures, "reviews") == [
        ["Outputs reviewed in the year", 1],
        ["Reviews recorded in the year", 2],
        ["Outputs whose review was overdue at the end of the year", 2],
    ]
    assert rows(figures, "feedback") == [
        ["Yes", 3],
        ["Partly", 0],
        ["No", 1],
        ["Not answered", 1],
        ["Total", 5],
    ]


def test_consultation_figures(app):
    build_year()
    figures = compute_figures(2025, AS_OF)
    assert rows(figures, "consultations") == [
        [
            "Publishing quarterly instead of monthly",
            "2025-05-01",
            "2025-07-10",
            "10 weeks",
            3,
            "2025-09-01",
            "7 weeks 4 days",
            "Yes",
        ],
        [
            "Merging two bulletins",
            "2026-02-02",
            "2026-04-13",
            "10 weeks",
            0,
            "",
            "",
            "Not yet published",
        ],
    ]


def test_recommendations_and_success_stories(app):
    build_year()
    figures = compute_figures(2025, AS_OF)
    recs = rows(figures, "recommendations")
    assert [r[0] for r in recs] == ["R1", "R2"]  # R3 came after the year
    r1 = recs[0]
    assert r1[2] == "Assessment report 321: Criminal court statistics (2025-02-01)"
    assert r1[3] == "Alpha statistics" and r1[4] == "Olu Owner"
    assert r1[5:] == ["2025-12-31", "In progress", "Yes"]
    assert recs[1][6:] == ["Implemented", "No"]
    assert rows(figures, "recommendation_notes") == [
        ["R1", "2025-10-01", "Met the lead statistician to agree the plan."]
    ]
    assert rows(figures, "recommendation_status")[:2] == [["Not started", 0], ["In progress", 1]]
    stories = rows(figures, "success_stories")
    assert stories == [
        ["2025-11-20", "User event in Leeds", "We ran a user event.", "Alpha statistics"]
    ]


def test_an_empty_year_has_zeros_and_empty_lists(app):
    figures = compute_figures(2030, date(2031, 5, 1))
    assert rows(figures, "cases_received")[-1] == ["Total", 0, 0, 0, 0, 0, 0, 0]
    assert rows(figures, "acknowledged")[-1] == ["Total", 0, 0, 0, 0, 0, 0, 0, "–"]
    assert rows(figures, "consultations") == []
    assert rows(figures, "success_stories") == []


def test_imported_log_entries_count_from_their_first_contact_date(app):
    from tests.factories.outputs import OutputFactory
    from tests.factories.reports import add_to_log, make_stakeholder

    output = OutputFactory()
    imported = date(2026, 5, 1)  # added to Engage after the year, from a spreadsheet
    old = add_to_log(output, make_stakeholder("expert", imported), "informed", imported)
    old.first_contact_on = date(2024, 1, 10)
    new = add_to_log(output, make_stakeholder("expert", imported), "consulted", imported)
    new.first_contact_on = date(2025, 10, 1)
    later = add_to_log(output, make_stakeholder("expert", imported), "access", imported)
    later.first_contact_on = date(2026, 4, 1)
    db.session.commit()
    figures = compute_figures(2025, AS_OF)
    assert rows(figures, "log_sizes")[4] == ["Expert organisations", 0, 1, 1, 0, 2]
    # One definition of new: the person whose first contact fell in the year is a new user
    # and a new log entry, though their record was imported after the year.
    assert rows(figures, "new_users")[4] == ["Expert organisations", 1, 1]
