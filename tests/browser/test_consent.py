"""A member of the public asks to hear about an output, confirms their email address from the
confirmation email (a real SMTP server), the CSO office writes to the output's users, and the
person unsubscribes from that email's link: in real Chromium with axe checks (issue 21)."""

from __future__ import annotations

import re
import subprocess
import sys

from playwright.sync_api import expect

from tests.browser.conftest import ROOT, _server_env
from tests.browser.helpers import Journey, expect_success, heading
from tests.smtp import SmtpSink

OUTPUT = "Prison Population Projections"
EMAIL = "consent.journey@example.org"


def _deliver(server) -> SmtpSink:  # type: ignore[no-untyped-def]
    """Run the scheduler's delivery job once against a real SMTP server; its messages."""
    sink = SmtpSink()
    sink.start()
    try:
        env = _server_env(server.database_url, server.url)
        env.update(MAIL_TRANSPORT="smtp", SMTP_HOST="127.0.0.1", SMTP_PORT=str(sink.port))
        done = subprocess.run(  # noqa: S603
            [sys.executable, "-m", "flask", "jobs", "run", "deliver_emails"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert done.returncode == 0, done.stdout + done.stderr
    finally:
        sink.stop()
    return sink


def _link(message, path: str) -> str:  # type: ignore[no-untyped-def]
    text = message.get_body(("plain",)).get_content()
    found = re.search(rf"https?://\S+/{path}/[A-Za-z0-9_.\-]+", text)
    assert found, text
    return found.group(0)


def test_a_member_of_the_public_confirms_then_unsubscribes(page, staff_page, engage_server):
    journey = Journey("public-consent", page)
    page.goto("/statistics")
    page.get_by_role("link", name=OUTPUT).click()
    page.get_by_role("button", name=f"Give feedback on {OUTPUT}").click()
    page.get_by_label("Yes", exact=True).check()
    page.get_by_label("Academics, researchers and students").check()
    page.get_by_label("Yes, tell me about new publications and developments").check()
    page.get_by_label("Email address (optional)").fill(EMAIL)
    page.get_by_role("button", name="Send feedback").click()
    heading(page, "Thank you for your feedback")
    expect(page.get_by_role("main")).to_contain_text("we will not contact you until you do")

    [confirmation] = _deliver(engage_server).to(EMAIL)
    assert confirmation["Subject"] == "Confirm your email address"
    page.goto(_link(confirmation, "confirm-email"))
    heading(page, "Confirm your email address")
    expect(page.get_by_role("main")).to_contain_text(f"Release notices about {OUTPUT}")
    journey.check("confirm")
    page.get_by_role("button", name="Confirm my email address").click()
    heading(page, "Your email address is confirmed")
    journey.check("confirmed")

    # The CSO office writes to the output's users: the person now gets it.
    desk = staff_page("cso")
    desk.goto("/staff/user-log-messages/new")
    heading(desk, "Write to the users in a log")
    desk.get_by_label(OUTPUT).check()
    desk.get_by_label("Academics, researchers and students").check()
    desk.get_by_label("Subject").fill("New regional tables")
    desk.get_by_label("Message").fill("We now publish projections by region.")
    desk.get_by_role("button", name="Preview").click()
    expect(desk.locator("[data-preview]")).to_contain_text("We now publish projections by region.")
    Journey("staff-log-message", desk).check("preview")
    desk.get_by_role("button", name=re.compile(r"^Send to [\d,]+ (person|people)$")).click()
    expect_success(desk, "Message sent to")

    [message] = _deliver(engage_server).to(EMAIL)
    assert message["Subject"] == "New regional tables"
    assert str(message["List-Unsubscribe-Post"]) == "List-Unsubscribe=One-Click"
    page.goto(_link(message, "unsubscribe"))
    heading(page, "Unsubscribe")
    expect(page.get_by_role("main")).to_contain_text(OUTPUT)
    journey.check("unsubscribe")
    page.get_by_role("button", name="Unsubscribe").click()
    heading(page, "You have unsubscribed")
    journey.check("unsubscribed")
