"""Demo data: the 22 real outputs, staff for every role, and each area's demo records.

Every email address the demo creates is at a reserved domain (`RESERVED_DOMAINS`): nothing can
reach a real person, even with SMTP pointed at a real server. The demo is a history up to
`today`: the emails that history queued, and the warnings and reminders the scheduler would have
sent up to the evening before, are recorded as sent (`settle_demo_history`), so the scheduler's
first start sends only what is new today: a handful, not a burst.
"""

from __future__ import annotations

import csv
import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from pathlib import Path

from engage.auth import second_factor
from engage.auth import service as accounts
from engage.auth.models import User
from engage.calendar import LONDON
from engage.extensions import db
from engage.mail.models import OutboxEmail
from engage.outputs.catalogue import add_months, unique_slug
from engage.outputs.models import Output

DATA = Path(__file__).parent / "data"

# Domains that can never deliver to anyone: RFC 2606 and RFC 6761's example domains and test
# top-level domains, and example.gov.uk (the GOV.UK convention for examples). A demo address is
# at one of them or a subdomain of one; a test checks every address the demo seed stores.
RESERVED_DOMAINS = ("example.com", "example.net", "example.org", "example.gov.uk")
RESERVED_TOP_LEVEL = ("test", "example", "invalid", "localhost")

# The scheduler's daily email jobs, replayed as of the evening before the demo's today.
HISTORY_JOBS = (
    "sla_scan",
    "review_reminders",
    "consultation_response_reminders",
    "release_reminders",
)


def is_reserved_address(address: str) -> bool:
    """Whether an email address is at a domain reserved for examples and tests."""
    domain = address.rpartition("@")[2].strip().rstrip(".").lower()
    if not domain or "@" not in address:
        return False
    if domain.rpartition(".")[2] in RESERVED_TOP_LEVEL:
        return True
    return any(domain == d or domain.endswith("." + d) for d in RESERVED_DOMAINS)


# Demo accounts only; printed by `flask seed-demo`. Never used outside a local demo.
DEMO_STAFF = [
    ("admin@demo.engage.test", "Ada Admin", ["admin"], "demo-orchid-pass-2026"),
    ("chief@demo.engage.test", "Chris Chief", ["chief_statistician"], "demo-walnut-pass-2026"),
    ("cso@demo.engage.test", "Sam Officer", ["cso"], "demo-cso-pass-2026"),
    ("producer@demo.engage.test", "Priya Producer", ["producer"], "demo-harbour-pass-2026"),
    ("producer2@demo.engage.test", "Tom Producer", ["producer"], "demo-lantern-pass-2026"),
]

LEADS = [
    "Aisha Khan",
    "Ben Ellis",
    "Carla Mendes",
    "David Okafor",
    "Emma Lewis",
    "Farid Hussain",
    "Grace Taylor",
]


@dataclass
class DemoContext:
    today: date
    rng: random.Random
    users: dict[str, User] = field(default_factory=dict)
    outputs: list[Output] = field(default_factory=list)


def _frequency(raw: str) -> str:
    return raw.strip().capitalize()


def seed_outputs(ctx: DemoContext) -> None:
    producers = [ctx.users["producer@demo.engage.test"], ctx.users["producer2@demo.engage.test"]]
    with (DATA / "outputs.csv").open(newline="", encoding="utf-8") as handle:
        for n, row in enumerate(csv.DictReader(handle)):
            title = row["title"].strip()
            lead = LEADS[n % len(LEADS)]
            slug = unique_slug(title)
            output = Output(
                slug=slug,
                title=title,
                summary=f"Official statistics on {row['area'].lower()} "
                f"from {row['producing_body']}. Sources: {row['source_systems']}.",
                producing_body=row["producing_body"].strip(),
                area=row["area"].strip(),
                frequency=_frequency(row["frequency"]),
                lead_statistician=lead,
                lead_contact=f"{lead.split()[0].lower()}.{lead.split()[1].lower()}"
                "@justice.example.gov.uk",
                page_url=f"https://www.gov.uk/government/collections/{slug}",
                review_interval_months=12,
                # A spread: some reviews overdue, most due later this year.
                next_review_due=add_months(ctx.today, (n % 14) - 3),
            )
            output.producers = [producers[n % 2]]
            db.session.add(output)
            ctx.outputs.append(output)
    db.session.commit()


def seed_demo(today: date | None = None) -> list[tuple[str, str, str, str]]:
    """Load demo data once. Returns (role, email, password, name) rows to print."""
    ctx = DemoContext(today=today or date.today(), rng=random.Random(2016))  # noqa: S311  # nosec B311 - demo data
    existing = db.session.execute(db.select(User).limit(1)).first()
    if existing is None:
        for email, name, roles, password in DEMO_STAFF:
            ctx.users[email] = accounts.create_user(
                email=email, name=name, password=password, roles=roles
            )
            if second_factor.is_required(ctx.users[email]):
                second_factor.enable_for_demo(ctx.users[email])
        seed_outputs(ctx)
        from engage.cases.demo import seed as seed_cases
        from engage.cases.outcome_demo import seed as seed_complaint_outcomes
        from engage.consultations.demo import seed as seed_consultations
        from engage.outputs.demo import seed as seed_user_logs
        from engage.releases.demo import seed as seed_releases
        from engage.reports.demo import seed as seed_reports

        for seeder in (
            seed_user_logs,
            seed_cases,
            seed_complaint_outcomes,
            seed_consultations,
            seed_reports,
            seed_releases,
        ):
            seeder(ctx)
            db.session.commit()
        settle_demo_history(ctx.today)
    return [
        (", ".join(roles), email, password, name) for email, name, roles, password in DEMO_STAFF
    ]


def last_evening_before(today: date) -> datetime:
    """18:05 London on the working day before `today` (the office calendar's, as the demo
    cases are dated by it): that day's last hourly scan. A deadline on that day was due soon
    then and is missed today, so the first scan always has a warning to show."""
    from engage.cases.clock import current_calendar

    day = current_calendar().add_working_days(today, -1)
    return datetime.combine(day, time(18, 5), tzinfo=LONDON).astimezone(UTC)


def settle_demo_history(today: date) -> int:
    """Make the demo's past look lived in: run the daily email jobs as of the evening before
    `today` (so warnings and reminders already due then exist, with their dedup keys), then
    record every email queued so far as sent. None of them was handed to any transport; they
    stand for what the office sent back then. Returns how many were recorded."""
    from engage.jobs import JOBS

    moment = last_evening_before(today)
    for name in HISTORY_JOBS:
        JOBS[name].execute(moment)
    rows = db.session.execute(
        db.update(OutboxEmail)
        .where(OutboxEmail.status == "queued")
        .values(status="sent", sent_at=OutboxEmail.created_at)
    )
    db.session.commit()
    return int(rows.rowcount or 0)  # type: ignore[attr-defined]
