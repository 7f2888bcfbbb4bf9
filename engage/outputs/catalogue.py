"""The outputs catalogue: domain functions for creating and editing outputs."""

from __future__ import annotations

from datetime import date
from urllib.parse import urlsplit

from sqlalchemy import func

from engage import audit, slugs
from engage.auth.models import User
from engage.calendar import today_london
from engage.errors import RuleError
from engage.extensions import db
from engage.outputs.models import Output, OutputReview, output_producers

OUTPUT_FIELDS = (
    "title",
    "summary",
    "producing_body",
    "area",
    "frequency",
    "lead_statistician",
    "lead_contact",
    "page_url",
    "status",
    "review_interval_months",
)


class CatalogueError(RuleError):
    """A rule refused the change (engage/errors.py)."""


def unique_slug(title: str, *, exclude_id: int | None = None) -> str:
    return slugs.unique_slug(Output, title, "output", exclude_id=exclude_id)


def output_by_slug(slug: str) -> Output | None:
    return db.session.execute(db.select(Output).where(Output.slug == slug)).scalar_one_or_none()


def list_query():  # type: ignore[no-untyped-def]
    """The outputs list, by title: only the columns it shows (not Output objects with their
    producers' User objects), and whether the output has been reviewed."""
    reviewed = (
        db.select(OutputReview.id)
        .where(OutputReview.output_id == Output.id)
        .exists()
        .label("reviewed")
    )
    return db.select(
        Output.id,
        Output.slug,
        Output.title,
        Output.area,
        Output.next_review_due,
        Output.status,
        reviewed,
    ).order_by(Output.title, Output.id)


def producers_of(
    output_ids: list[int], producer_id: int | None
) -> tuple[dict[int, list[str]], set[int] | None]:
    """The producers' names of these outputs, in one query; and, for a signed-in producer
    (`producer_id`), which of the outputs are theirs (None for anyone else)."""
    producers: dict[int, list[str]] = {}
    mine: set[int] | None = None if producer_id is None else set()
    if not output_ids:
        return producers, mine
    for output_id, user_id, name in db.session.execute(
        db.select(output_producers.c.output_id, User.id, User.name)
        .join(User, User.id == output_producers.c.user_id)
        .where(output_producers.c.output_id.in_(output_ids))
        .order_by(output_producers.c.output_id, User.id)
    ):
        producers.setdefault(output_id, []).append(name)
        if mine is not None and user_id == producer_id:
            mine.add(output_id)
    return producers, mine


def producer_choices() -> list[User]:
    from engage.auth.models import UserRole

    return list(
        db.session.execute(
            db.select(User)
            .join(UserRole)
            .where(UserRole.role == "producer", User.active.is_(True))
            .order_by(User.name)
        ).scalars()
    )


def is_web_address(url: str) -> bool:
    """Only http(s) addresses with a host: a `javascript:` or `data:` URL saved as an output's
    page would run in the browser of whoever follows the link on its public page."""
    parts = urlsplit(url.strip())
    return parts.scheme.lower() in ("http", "https") and bool(parts.hostname)


def _apply(output: Output, data: dict, producer_ids: list[int]) -> None:
    if data.get("page_url") and not is_web_address(data["page_url"]):
        raise CatalogueError("Enter a web address starting with https://", "page_url")
    for name in OUTPUT_FIELDS:
        if name in data:
            setattr(output, name, data[name])
    if output.review_interval_months < 1 or output.review_interval_months > 60:
        raise CatalogueError("Review interval must be 1 to 60 months", "review_interval_months")
    producers = [db.session.get(User, pid) for pid in producer_ids]
    if any(p is None or "producer" not in p.roles for p in producers):
        raise CatalogueError("Choose producers from the list", "producer_ids")
    output.producers = producers  # type: ignore[assignment]


def create_output(data: dict, producer_ids: list[int], actor: User | None) -> Output:
    output = Output(slug=unique_slug(data["title"]), next_review_due=None)
    _apply(output, data, producer_ids)
    if output.next_review_due is None:
        output.next_review_due = add_months(date.today(), output.review_interval_months)
    db.session.add(output)
    db.session.flush()
    audit.record("output.created", actor=actor, object_type="output", object_id=output.id)
    db.session.commit()
    return output


def update_output(output: Output, data: dict, producer_ids: list[int], actor: User) -> None:
    """Change an output. A new review interval moves the next review: one interval after the
    last review, or (never reviewed) one interval after the start the old due date implies."""
    before = {"producers": sorted(p.id for p in output.producers), "status": output.status}
    interval, due = output.review_interval_months, output.next_review_due
    _apply(output, data, producer_ids)
    detail: dict = {"before": before, "producers": producer_ids, "status": output.status}
    if output.review_interval_months != interval:
        output.next_review_due = next_due_after_interval_change(output, interval, due)
        detail["review_interval_months"] = [interval, output.review_interval_months]
        detail["next_review_due"] = [
            d.isoformat() if d else None for d in (due, output.next_review_due)
        ]
    audit.record(
        "output.updated", actor=actor, object_type="output", object_id=output.id, detail=detail
    )
    db.session.commit()


def next_due_after_interval_change(output: Output, old_interval: int, old_due: date | None) -> date:
    last = db.session.scalar(
        db.select(func.max(OutputReview.reviewed_on)).where(OutputReview.output_id == output.id)
    )
    if last is not None:
        return add_months(last, output.review_interval_months)
    start = add_months(old_due, -old_interval) if old_due else today_london()
    return add_months(start, output.review_interval_months)


def add_months(day: date, months: int) -> date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    import calendar as std_calendar

    last = std_calendar.monthrange(year, month)[1]
    return date(year, month, min(day.day, last))
