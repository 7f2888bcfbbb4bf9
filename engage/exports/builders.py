"""The background exports: who may ask for each, its title and file name, and its builder."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engage.auth.models import User
from engage.auth.permissions import has_permission
from engage.calendar import today_london
from engage.extensions import db


@dataclass(frozen=True)
class ExportKind:
    """What one kind of background export needs: who may ask for it (given its params), its
    title and file name, and the function that writes it to a path."""

    allowed: Callable[[User, dict[str, Any]], bool]
    describe: Callable[[dict[str, Any]], tuple[str, str]]  # (title, file name)
    build: Callable[[dict[str, Any], Path], None]


def _today() -> str:
    return today_london().isoformat()


# The CSO's workbook of every user log --------------------------------------------------------


def _all_logs_allowed(user: User, params: dict[str, Any]) -> bool:
    from engage.outputs import access

    return access.sees_all_logs(user) and access.has_edit_permission(user)


def _all_logs_describe(params: dict[str, Any]) -> tuple[str, str]:
    return "Every user log (XLSX)", f"user-logs-{_today()}.xlsx"


def _all_logs_build(params: dict[str, Any], path: Path) -> None:
    from engage.outputs import exporting

    with path.open("wb") as handle:
        exporting.write_all_logs_xlsx(handle)


# The annual report's workbook -----------------------------------------------------------------


def _report(params: dict[str, Any]) -> Any:
    from engage.reports.models import AnnualReport

    report_id = params.get("report_id")
    return db.session.get(AnnualReport, report_id) if isinstance(report_id, int) else None


def _report_allowed(user: User, params: dict[str, Any]) -> bool:
    return has_permission(user, "view_reports") and _report(params) is not None


def _report_describe(params: dict[str, Any]) -> tuple[str, str]:
    from engage.reports.exports import report_file_name
    from engage.reports.figures import year_label

    report = _report(params)
    publication = bool(params.get("publication"))
    title = f"Annual report {year_label(report.year_start)} (XLSX"
    title += ", for publication)" if publication else ")"
    return title, report_file_name(report, publication) + ".xlsx"


def _report_build(params: dict[str, Any], path: Path) -> None:
    from engage.reports.exports import write_report_xlsx

    report = _report(params)
    if report is None:
        raise LookupError("the report no longer exists")
    with path.open("wb") as handle:
        write_report_xlsx(report, handle, publication=bool(params.get("publication")))


# A consultation's responses -------------------------------------------------------------------


def _consultation(params: dict[str, Any]) -> Any:
    from engage.consultations.models import Consultation

    consultation_id = params.get("consultation_id")
    if not isinstance(consultation_id, int):
        return None
    return db.session.get(Consultation, consultation_id)


def _responses_allowed(user: User, params: dict[str, Any]) -> bool:
    from engage.consultations.service import can_manage

    consultation = _consultation(params)
    return (
        consultation is not None
        and has_permission(user, "draft_consultations")
        and can_manage(user, consultation)
    )


def _responses_describe(params: dict[str, Any]) -> tuple[str, str]:
    consultation = _consultation(params)
    return (
        f"Responses to {consultation.title} (XLSX)",
        f"{consultation.slug}-responses-{_today()}.xlsx",
    )


def _responses_build(params: dict[str, Any], path: Path) -> None:
    from engage.consultations.responses import write_responses_xlsx

    consultation = _consultation(params)
    if consultation is None:
        raise LookupError("the consultation no longer exists")
    with path.open("wb") as handle:
        write_responses_xlsx(consultation, handle)


KINDS: dict[str, ExportKind] = {
    "all_user_logs": ExportKind(_all_logs_allowed, _all_logs_describe, _all_logs_build),
    "annual_report_xlsx": ExportKind(_report_allowed, _report_describe, _report_build),
    "consultation_responses_xlsx": ExportKind(
        _responses_allowed, _responses_describe, _responses_build
    ),
}
