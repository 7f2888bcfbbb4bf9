"""Demo data for the reports area (called by `flask seed-demo`): UKSA recommendations in every
status with progress notes, a signed-off annual report for the last complete financial year
(built last, from the other areas' demo data) and a draft for the year in progress."""

from __future__ import annotations

from datetime import timedelta

from engage.calendar import reporting_year_of
from engage.extensions import db
from engage.reports import annual
from engage.reports.figures import last_complete_year_start
from engage.reports.models import AnnualReport, RecommendationNote, UksaRecommendation

RECOMMENDATIONS = [
    (
        "R1",
        "Publish a statement of how user feedback shaped the latest changes to the bulletin.",
        "in_progress",
        -400,
        60,
        None,
    ),
    (
        "R2",
        "Explain the quality of the administrative data, with the known limitations, "
        "in a quality and methodology note.",
        "implemented",
        -500,
        -100,
        None,
    ),
    (
        "R3",
        "Set out a timetable for reviewing how the statistics meet users' needs, and report "
        "progress publicly.",
        "not_started",
        -300,
        -20,
        None,
    ),
    (
        "R4",
        "Publish the underlying data at local authority level.",
        "will_not_implement",
        -350,
        -30,
        "The counts at local authority level are too small to publish without disclosing "
        "individuals; we publish regional tables instead.",
    ),
    (
        "R5",
        "Improve the accessibility of the tables in the quarterly publication.",
        "in_progress",
        -200,
        -10,
        None,
    ),
]


def seed(ctx) -> None:  # type: ignore[no-untyped-def]
    """Add this area's demo records using ctx.users, ctx.outputs, ctx.today and ctx.rng."""
    owner = ctx.users.get("cso@demo.engage.test")
    author = owner
    for n, (ref, text, status, source_days, target_days, reason) in enumerate(RECOMMENDATIONS):
        source_on = ctx.today + timedelta(days=source_days)
        rec = UksaRecommendation(
            reference=ref,
            text=text,
            source_report=f"Assessment report {200 + n % 2}: Statistics on the justice system",
            source_date=source_on,
            owner_id=owner.id if owner else None,
            target_on=ctx.today + timedelta(days=target_days),
            status=status,
            will_not_reason=reason,
        )
        rec.outputs = ctx.outputs[n : n + 2]
        db.session.add(rec)
        db.session.flush()
        if status != "not_started":
            for k, note in enumerate(
                ["Agreed an approach with the lead statistician.", "Work under way; draft shared."]
            ):
                db.session.add(
                    RecommendationNote(
                        recommendation_id=rec.id,
                        noted_on=source_on + timedelta(days=30 * (k + 1)),
                        note=note,
                        author_id=author.id if author else None,
                    )
                )
    db.session.commit()

    chief = ctx.users.get("chief@demo.engage.test")
    if owner is None or chief is None:
        return
    year = last_complete_year_start(ctx.today)
    report = AnnualReport(year_start=year, state="draft", commentary="")
    report.commentary = (
        "Demo report: we kept logs for every output, answered most enquiries within 20 working "
        "days, and made progress on the Authority's recommendations."
    )
    db.session.add(report)
    db.session.commit()
    annual.mark_ready(report, owner)
    from engage.reports.render import render_report_body

    annual.sign_off(report, chief, render_report_body, today=ctx.today)
    # And a draft for the year in progress, whose live figures show the other areas' demo data.
    annual.start_draft(reporting_year_of(ctx.today), owner)
