"""`flask seed-demo`, then the scan and delivery jobs against an SMTP sink: the demo cases'
expected warnings arrive, and a second run delivers nothing new."""

from __future__ import annotations

import re

from engage.calendar import london_date
from engage.cases.alerts import find_alerts
from engage.db_types import utcnow
from engage.extensions import db

SLA_SUBJECT = re.compile(
    r"^(Due soon|Deadline missed): (acknowledgement|full response) for case (\S+) "
)


def _sla_messages(sink) -> list[tuple[str, str, str, str]]:  # type: ignore[no-untyped-def]
    found = []
    for message in sink.messages:
        match = SLA_SUBJECT.match(str(message["Subject"]))
        if match:
            level, deadline, reference = match.groups()
            found.append((reference, deadline, level, str(message["To"])))
    return sorted(found)


def test_seed_demo_then_scan_and_deliver_sends_the_expected_warnings_once(
    app, smtp_sink, cso_address
):
    runner = app.test_cli_runner()
    seeded = runner.invoke(args=["seed-demo"])
    assert seeded.exit_code == 0, seeded.output

    today = london_date(utcnow())
    expected = []
    for alert in find_alerts(today):
        level = "Deadline missed" if alert.level == "breach" else "Due soon"
        people = [cso_address]
        if alert.case.assigned_to is not None and alert.case.assigned_to.active:
            people.append(alert.case.assigned_to.email.lower())
        for person in people:
            expected.append((alert.case.reference, alert.deadline_label, level, person))
    assert any(e[2] == "Deadline missed" for e in expected), "the demo has breached cases"
    assert any(e[2] == "Due soon" for e in expected), "the demo has cases due soon"
    db.session.remove()

    for job in ("sla_scan", "deliver_emails"):
        result = runner.invoke(args=["jobs", "run", job])
        assert result.exit_code == 0, result.output
    assert _sla_messages(smtp_sink) == sorted(expected)
    delivered = len(smtp_sink.messages)

    for job in ("sla_scan", "deliver_emails"):
        result = runner.invoke(args=["jobs", "run", job])
        assert result.exit_code == 0, result.output
    assert result.output.startswith("deliver_emails: sent 0,")
    assert len(smtp_sink.messages) == delivered
