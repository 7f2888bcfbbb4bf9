"""The public performance page: 8 complete quarters, exact figures, suppression."""

from __future__ import annotations

from datetime import date

from engage.reports.performance import complete_quarters, performance_figures
from tests.factories.reports import AS_OF, build_year

EMPTY_CASES = [0, 0, 0, 0, "–", 0, 0, 0, "–", 0]


def test_the_eight_complete_quarters_before_today():
    quarters = complete_quarters(date(2026, 5, 15))
    assert quarters[0].start == date(2024, 4, 1) and quarters[-1].end == date(2026, 3, 31)
    assert [q.label for q in quarters[-2:]] == ["October to December 2025", "January to March 2026"]
    # On the first day of a quarter, the quarter just ended is the last one shown.
    assert complete_quarters(date(2026, 4, 1))[-1].end == date(2026, 3, 31)
    assert complete_quarters(date(2026, 3, 31))[-1].end == date(2025, 12, 31)


def test_performance_figures_exact(app):
    build_year()
    figures = performance_figures(AS_OF)
    complaints, enquiries, consultations = figures["raw"][:3]  # then outcomes and themes
    labels = [r[0] for r in complaints["rows"]]
    assert labels[0] == "April to June 2024" and labels[-1] == "January to March 2026"
    # received; due ack, in time, not in time, share; due response, in time, not, share;
    # delay notices
    assert [r[1:] for r in complaints["rows"]] == [
        EMPTY_CASES,
        EMPTY_CASES,
        EMPTY_CASES,
        [1, 1, 0, 1, "0%", 1, 0, 1, "0%", 0],  # received 31 March 2025, never answered
        [2, 2, 1, 1, "50%", 2, 1, 1, "50%", 1],  # c1 in time; c2 late with a delay notice
        [2, 1, 1, 0, "100%", 1, 1, 0, "100%", 0],  # c4 (paused, in time); c6 transferred
        [1, 1, 0, 1, "0%", 1, 0, 1, "0%", 0],  # c5 overdue
        [1, 1, 1, 0, "100%", 1, 1, 0, "100%", 0],  # c3 answered in the next year, in time
    ]
    assert [r[1:] for r in enquiries["rows"]][6:] == [
        [7, 6, 6, 0, "100%", 6, 6, 0, "100%", 0],  # e1-e6 in time, e7 withdrawn
        [2, 0, 0, 0, "–", 0, 0, 0, "–", 0],  # two transfers
    ]
    assert [r[1:] for r in consultations["rows"]] == [
        [0, 0, 0, 0],
        [0, 0, 0, 0],
        [0, 0, 0, 0],
        [0, 0, 0, 0],
        [0, 0, 0, 0],
        [1, 1, 0, 0],  # closed 10 July 2025, response published within 12 weeks
        [0, 0, 0, 0],
        [0, 0, 0, 0],
    ]
    shown = figures["tables"]
    assert shown[0]["rows"][4][1:] == ["[c]"] * 10
    assert shown[0]["rows"][0][1:] == EMPTY_CASES
    assert shown[1]["rows"][6][1:] == [7, 6, 6, 0, "100%", 6, 6, 0, "100%", 0]
    assert shown[1]["rows"][7][1:] == ["[c]", 0, 0, 0, "–", 0, 0, 0, "–", 0]
    assert shown[2]["rows"][5][1:] == ["[c]", "[c]", 0, 0]


def test_a_consultation_response_still_to_come_or_late(app):
    from tests.factories.consultations import ConsultationFactory
    from tests.factories.reports import at

    ConsultationFactory(opens_on=date(2025, 11, 3), closes_on=date(2026, 1, 12), state="closed")
    ConsultationFactory(opens_on=date(2025, 8, 1), closes_on=date(2025, 10, 1), state="closed")
    ConsultationFactory(
        opens_on=date(2025, 8, 4),
        closes_on=date(2025, 10, 6),
        state="response_published",
        response_published_at=at(date(2026, 1, 5)),  # 91 days after closing: late
    )
    rows = performance_figures(date(2026, 4, 2))["raw"][2]["rows"]
    assert rows[-1][1:] == [1, 0, 0, 1]  # closed 12 January, due 6 April: not yet due
    assert rows[-2][1:] == [2, 0, 2, 0]  # one overdue, one published late


def test_the_performance_page_is_public_and_shows_commitments(app, client):
    build_year()
    response = client.get("/performance")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "How we are doing against our commitments" in html
    assert "within 5 working days" in html and "within 20 working days" in html
    assert "[c]" in html
    assert 'role="img"' in html and "<title id=" in html and "<desc id=" in html
    assert "style=" not in html.split("<main", 1)[1]


def test_hidden_consultation_counts_cannot_be_worked_out_from_the_quarter_total(app):
    """Closed = published in time + late or overdue + not yet due, so with 7 closed and 5 in
    time shown, two hidden cells that add up to 2 would each be 1: more must be hidden."""
    from tests.factories.consultations import ConsultationFactory
    from tests.factories.reports import at

    for n in range(5):  # closed on 2 March 2026, responses published a month later
        ConsultationFactory(
            opens_on=date(2026, 1, 5),
            closes_on=date(2026, 3, 2 + n),
            state="response_published",
            response_published_at=at(date(2026, 4, 1)),
        )
    ConsultationFactory(  # overdue: 84 days after 2 January is 27 March
        opens_on=date(2025, 11, 3), closes_on=date(2026, 1, 2), state="closed"
    )
    ConsultationFactory(  # not yet due on 2 April
        opens_on=date(2026, 1, 5), closes_on=date(2026, 3, 20), state="closed"
    )
    figures = performance_figures(date(2026, 4, 2))
    assert figures["raw"][2]["rows"][-1][1:] == [7, 5, 1, 1]
    shown = figures["tables"][2]["rows"][-1][1:]
    assert shown[2:] == ["[c]", "[c]"]
    assert "[c]" in shown[:2]  # the total or the count in time is hidden too
