"""The annual report's life: draft -> ready for sign-off -> signed off (a frozen snapshot).

A draft or ready report shows live figures, computed each time it is read. At sign-off the
figures (JSON) and the rendered HTML of the report body are stored on the report, with who
signed and when; from then on the report is served and exported from that snapshot only, so
later changes to cases, logs or consultations cannot alter it. A new draft for the same year can
be started beside a signed report (but only one unsigned report per year at a time).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from sqlalchemy import select

from engage import audit
from engage.auth.models import User, UserRole
from engage.auth.permissions import has_permission
from engage.calendar import reporting_year, today_london
from engage.db_types import utcnow
from engage.errors import Refusal, RuleError
from engage.extensions import db
from engage.mail.outbox import queue_email
from engage.reports.figures import compute_figures, year_label
from engage.reports.models import AnnualReport

STATE_LABELS = {"draft": "Draft", "ready": "Ready for sign-off", "signed_off": "Signed off"}


class ReportError(RuleError):
    """A rule about annual reports refused the change (engage/errors.py)."""


def figures_for(report: AnnualReport) -> dict[str, Any]:
    """The stored snapshot of a signed report; live figures for a draft."""
    if report.state == "signed_off" and report.figures is not None:
        return report.figures
    return compute_figures(report.year_start, today_london())


def unsigned_report_for(year_start: int) -> AnnualReport | None:
    return db.session.execute(
        select(AnnualReport).where(
            AnnualReport.year_start == year_start, AnnualReport.state != "signed_off"
        )
    ).scalar_one_or_none()


def latest_signed(year_start: int) -> AnnualReport | None:
    return db.session.execute(
        select(AnnualReport)
        .where(AnnualReport.year_start == year_start, AnnualReport.state == "signed_off")
        .order_by(AnnualReport.signed_off_at.desc(), AnnualReport.id.desc())
        .limit(1)
    ).scalar_one_or_none()


def all_reports() -> list[AnnualReport]:
    """Every report, the latest year first."""
    return list(
        db.session.execute(
            db.select(AnnualReport).order_by(AnnualReport.year_start.desc(), AnnualReport.id.desc())
        ).scalars()
    )


def check_may_prepare(actor: Any) -> None:
    """Refusal (403 and an audit row) unless `actor` may prepare reports: start a draft, write
    its commentary, mark it ready."""
    if not has_permission(actor, "prepare_reports"):
        raise Refusal("permission:prepare_reports")


def start_draft(year_start: int, actor: Any) -> AnnualReport:
    check_may_prepare(actor)
    if unsigned_report_for(year_start) is not None:
        raise ReportError(
            f"There is already a report for {year_label(year_start)} that has not been signed off",
            "year_start",
        )
    report = AnnualReport(year_start=year_start, state="draft", commentary="")
    db.session.add(report)
    db.session.flush()
    audit.record(
        "report.draft_started",
        actor=actor,
        object_type="annual_report",
        object_id=report.id,
        detail={"year": year_label(year_start)},
    )
    db.session.commit()
    return report


def update_commentary(report: AnnualReport, text: str, actor: Any) -> None:
    check_may_prepare(actor)
    if report.state == "signed_off":
        raise ReportError("A signed-off report cannot be changed")
    report.commentary = text.strip()
    audit.record(
        "report.commentary_updated", actor=actor, object_type="annual_report", object_id=report.id
    )
    db.session.commit()


def chief_statisticians() -> list[User]:
    return list(
        db.session.execute(
            select(User)
            .join(UserRole, UserRole.user_id == User.id)
            .where(UserRole.role == "chief_statistician", User.active.is_(True))
            .order_by(User.id)
        ).scalars()
    )


def mark_ready(report: AnnualReport, actor: Any) -> int:
    """The CSO marks a draft ready; every Chief Statistician is emailed. Returns emails queued."""
    check_may_prepare(actor)
    if report.state != "draft":
        raise ReportError("Only a draft report can be marked ready for sign-off")
    report.state = "ready"
    report.prepared_by_id = actor.id
    report.prepared_at = utcnow()
    chiefs = chief_statisticians()
    for chief in chiefs:
        queue_email(
            chief.email,
            "report_ready",
            dedup_key=f"report-ready:{report.id}:{chief.id}:{report.prepared_at.isoformat()}",
            recipient=chief,
            report=report,
            year=year_label(report.year_start),
            prepared_by=actor,
        )
    audit.record(
        "report.marked_ready",
        actor=actor,
        object_type="annual_report",
        object_id=report.id,
        detail={"emailed": len(chiefs)},
    )
    db.session.commit()
    return len(chiefs)


def return_to_draft(report: AnnualReport, actor: Any) -> None:
    """The Chief sends a ready report back for more work."""
    if not has_permission(actor, "sign_off_reports"):
        raise Refusal("sign_off_reports")
    if report.state != "ready":
        raise ReportError("Only a report that is ready for sign-off can be returned")
    report.state = "draft"
    audit.record(
        "report.returned_to_draft", actor=actor, object_type="annual_report", object_id=report.id
    )
    db.session.commit()


def year_is_over(year_start: int, today: date) -> bool:
    """Whether the reporting year has ended by `today` (a London date)."""
    return today > reporting_year(year_start)[1]


def sign_off(
    report: AnnualReport,
    actor: Any,
    render_body: Callable[[AnnualReport, dict[str, Any]], str],
    *,
    year_not_over_confirmed: bool = False,
    today: date | None = None,
) -> AnnualReport:
    """The Chief Statistician signs off: figures and the rendered body are frozen on the row.

    A year that has not ended is refused unless the Chief confirms, explicitly, that it is not
    over: the confirmation is recorded in the figures (and so in the report's text) and in the
    audit record."""
    if not has_permission(actor, "sign_off_reports"):
        raise Refusal("sign_off_reports")
    if report.state != "ready":
        raise ReportError("Only a report that is ready for sign-off can be signed off")
    today = today or today_london()
    early = not year_is_over(report.year_start, today)
    if early and not year_not_over_confirmed:
        end = reporting_year(report.year_start)[1]
        raise ReportError(
            f"The reporting year {year_label(report.year_start)} ends on "
            f"{end.day} {end:%B %Y}: confirm that you are signing off before the year is over",
            "year_not_over",
        )
    figures = compute_figures(report.year_start, today)
    if early:
        figures["signed_before_year_end"] = True
    report.state = "signed_off"
    report.signed_off_by_id = actor.id
    report.signed_off_by = actor
    report.signed_off_at = utcnow()
    report.figures = figures
    report.html = render_body(report, figures)
    audit.record(
        "report.signed_off",
        actor=actor,
        object_type="annual_report",
        object_id=report.id,
        detail={"year": year_label(report.year_start), "year_not_over_confirmed": early},
    )
    db.session.commit()
    return report
