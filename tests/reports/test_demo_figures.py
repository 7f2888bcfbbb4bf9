"""The demo data spans the last three reporting years with enough cases for the performance
page and the signed annual report to show real figures, not only [c]."""

from __future__ import annotations

from datetime import date

from engage.calendar import reporting_year
from engage.cases.models import Case
from engage.extensions import db
from engage.reports.models import AnnualReport
from engage.reports.performance import performance_figures
from engage.reports.suppression import SUPPRESSED, suppress_figures
from engage.seed import seed_demo

TODAY = date(2026, 6, 1)  # in the reporting year 2026-27


def test_demo_cases_span_three_reporting_years_and_the_published_figures_are_real(app):
    seed_demo(today=TODAY)
    for year in (2024, 2025, 2026):
        start, end = reporting_year(year)
        received = db.session.execute(
            db.select(db.func.count(Case.id)).where(
                Case.received_on >= start, Case.received_on <= end
            )
        ).scalar_one()
        assert received >= (20 if year == 2026 else 200), year
    signed = db.session.execute(
        db.select(AnnualReport).where(AnnualReport.state == "signed_off")
    ).scalar_one()
    assert signed.year_start == 2025
    published = {t["key"]: t for t in suppress_figures(signed.figures)["tables"]}
    for key in ("acknowledged", "responded"):
        total = published[key]["rows"][-1]
        assert SUPPRESSED not in total[1:5] and total[5] >= 100, (key, total)
    complaints = performance_figures(TODAY)["tables"][0]
    shares = [row[5] for row in complaints["rows"]] + [row[9] for row in complaints["rows"]]
    assert sum(share.endswith("%") for share in shares) >= 12, shares
