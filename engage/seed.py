"""Demo data: the 22 real outputs, staff for every role, and each area's demo records."""

from __future__ import annotations

import csv
import random
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from engage.auth import second_factor
from engage.auth import service as accounts
from engage.auth.models import User
from engage.extensions import db
from engage.outputs.catalogue import add_months, unique_slug
from engage.outputs.models import Output

DATA = Path(__file__).parent / "data"

# Demo accounts only; printed by `flask seed-demo`. Never used outside a local demo.
DEMO_STAFF = [
    ("admin@demo.engage.test", "Ada Admin", ["admin"], "demo-admin-pass-2026"),
    ("chief@demo.engage.test", "Chris Chief", ["chief_statistician"], "demo-chief-pass-2026"),
    ("cso@demo.engage.test", "Sam Officer", ["cso"], "demo-cso-pass-2026"),
    ("producer@demo.engage.test", "Priya Producer", ["producer"], "demo-producer-pass-2026"),
    ("producer2@demo.engage.test", "Tom Producer", ["producer"], "demo-producer2-pass-2026"),
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
        from engage.reports.demo import seed as seed_reports

        for seeder in (
            seed_user_logs,
            seed_cases,
            seed_complaint_outcomes,
            seed_consultations,
            seed_reports,
        ):
            seeder(ctx)
            db.session.commit()
    return [
        (", ".join(roles), email, password, name) for email, name, roles, password in DEMO_STAFF
    ]
