"""The case worker's desk (issue 17), in real Chromium with axe checks: a CSO officer finds a
case by a lower-case reference and by the requester's name, corrects its received date (the
error first), attaches a letter (a disguised program refused first), and sees that the
acknowledgement emailed to a requester bounced (a real SMTP server answering 550)."""

from __future__ import annotations

import re
import subprocess
import sys
from datetime import date, timedelta

from playwright.sync_api import expect

from tests.browser.conftest import ROOT, _server_env
from tests.browser.helpers import (
    Journey,
    expect_errors,
    expect_success,
    follow_error,
    heading,
    link_or_button,
)
from tests.smtp import SmtpSink

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"


def _send_public_message(page, name: str, *, email: str | None = None) -> str:  # type: ignore[no-untyped-def]
    """A member of the public writes in; returns the reference on the confirmation page."""
    page.goto("/contact")
    page.get_by_label("Ask a question about statistics we have published").check()
    page.get_by_label("Full name").fill(name)
    if email:
        page.get_by_label("Email address").fill(email)
    else:
        page.get_by_label("Postal address").fill("4 Quay Street\nHull\nHU1 1AA")
    page.get_by_label("Your message").fill("Where are the regional court tables for 2025?")
    page.get_by_role("button", name="Send").click()
    heading(page, "Message sent")
    text = page.locator(".govuk-panel__body strong").inner_text()
    assert re.fullmatch(r"C-\d{4}-\d{5}", text)
    return text


def _search(page, text: str) -> None:  # type: ignore[no-untyped-def]
    box = page.get_by_role("search").get_by_label("Search cases by reference, requester or words")
    box.fill(text)
    page.get_by_role("search").get_by_role("button", name="Search cases").click()


def _fill_date(page, legend: str, day: date) -> None:  # type: ignore[no-untyped-def]
    group = page.get_by_role("group", name=legend)
    group.get_by_label("Day").fill(str(day.day))
    group.get_by_label("Month").fill(str(day.month))
    group.get_by_label("Year").fill(str(day.year))


def test_search_by_lower_case_reference_and_by_name(page, staff_page):
    reference = _send_public_message(page, "Rowan Whitlock")
    desk = staff_page("cso")
    journey = Journey("desk-search", desk)
    desk.goto("/staff")
    _search(desk, reference.lower().removeprefix("c-"))
    heading(desk, f"Case {reference}")
    _search(desk, "whitlo")
    heading(desk, "Search results for ‘whitlo’")
    results = desk.get_by_role("table")
    expect(results).to_contain_text("1 case found")
    expect(results.get_by_role("link", name=reference)).to_be_visible()
    journey.check("results")
    # The results page has its own box (the header's is not repeated there).
    desk.get_by_label("Search cases", exact=True).fill("zzyzx-nothing")
    desk.get_by_role("button", name="Search", exact=True).click()
    expect(desk.locator("[data-empty-state]")).to_contain_text("No cases you can see match")
    journey.check("nothing")


def test_correct_a_received_date_and_attach_a_letter(page, staff_page):
    reference = _send_public_message(page, "Ines Carvalho")  # by post: not yet acknowledged
    desk = staff_page("cso")
    journey = Journey("desk-correct", desk)
    desk.goto(f"/staff/cases/{reference.lower()}")
    heading(desk, f"Case {reference}")
    link_or_button(desk, "Date received or how it arrived (correct)").click()
    heading(desk, "Correct the date received or how it arrived")
    earlier = date.today() - timedelta(days=9)
    _fill_date(desk, "Date received", earlier)
    desk.get_by_label("Letter").check()
    desk.get_by_role("button", name="Save correction").click()
    expect_errors(desk, "Enter the reason for the correction")
    journey.check("errors")
    follow_error(desk, "Enter the reason for the correction")
    desk.keyboard.type("The letter was scanned a week after it arrived")
    desk.get_by_role("button", name="Save correction").click()
    heading(desk, f"Case {reference}")
    expect_success(desk, "Correction saved")
    history = desk.get_by_role("table").filter(has_text="Case history")
    expect(history).to_contain_text("The letter was scanned a week after it arrived")
    expect(history).to_contain_text(re.compile(r"Date received: .* → "))
    expect(desk.get_by_role("main")).to_contain_text("(Letter)")
    journey.check("corrected")

    link_or_button(desk, "Attach a file").click()
    heading(desk, "Attach a file")
    desk.get_by_label("Upload a file").set_input_files(
        {"name": "letter.pdf", "mimeType": "application/pdf", "buffer": b"MZ\x90\x00" * 64}
    )
    desk.get_by_role("button", name="Attach file").click()
    expect_errors(desk, "The selected file must be a PDF, an image")
    journey.check("attach-refused")
    desk.get_by_label("Upload a file").set_input_files(
        {"name": "Carvalho letter.pdf", "mimeType": "application/pdf", "buffer": PDF}
    )
    desk.get_by_label("What is it? (optional)").fill("The original letter, scanned")
    desk.get_by_role("button", name="Attach file").click()
    expect_success(desk, "File attached")
    journey.check("attached")  # before the link has focus (axe reads a focused link's colours)
    with desk.expect_download() as download:
        desk.get_by_role("link", name="Carvalho letter.pdf").click()
    assert download.value.suggested_filename == "Carvalho letter.pdf"


def test_a_bounced_acknowledgement_is_flagged_on_the_case_and_in_the_list(
    page, staff_page, engage_server, tmp_path
):
    reference = _send_public_message(page, "Tamsin Roe", email="tamsin.roe@example.org")
    sink = SmtpSink()
    sink.start()
    sink.mode = "permfail"  # 550 to every recipient
    try:
        env = _server_env(engage_server.database_url, engage_server.url)
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
    assert sink.messages == []
    desk = staff_page("cso")
    journey = Journey("desk-bounce", desk)
    desk.goto("/staff")
    _search(desk, reference)
    heading(desk, f"Case {reference}")
    warning = desk.locator("[data-email-failed]")
    expect(warning).to_contain_text(
        "The acknowledgement email to tamsin.roe@example.org could not be delivered"
    )
    expect(warning).to_contain_text("550")
    emails = desk.locator("[data-case-emails]")
    expect(emails).to_contain_text("Acknowledgement")
    expect(emails).to_contain_text("Failed")
    emails.get_by_text("Read the email").first.click()
    expect(emails).to_contain_text(f"[{reference}]")
    journey.check("case")
    desk.goto("/staff/cases?sort=received")
    row = desk.get_by_role("row").filter(has=desk.get_by_role("link", name=reference))
    expect(row).to_contain_text("Acknowledgement email failed")
    expect(row).to_contain_text("Tamsin Roe")
    journey.check("list")


def test_a_complaint_with_emails_received_and_mail_in_do_not_scroll_sideways_at_320px(
    page, staff_page, engage_server
):
    # The "Who viewed this complaint" and "Emails received" tables were not in a scrolling
    # wrapper: at 320 px the whole case page scrolled sideways; Mail in with a long subject
    # was 4,000 px wide.
    page.goto("/contact")
    page.get_by_label("Complain about our service").check()
    page.get_by_label("Full name").fill("Ilse Brandt")
    page.get_by_label("Email address").fill("ilse.brandt@example.org")
    page.get_by_label("Your message").fill("Your tables were late again.")
    page.get_by_role("button", name="Send").click()
    heading(page, "Message sent")
    reference = page.locator(".govuk-panel__body strong").inner_text().strip()
    reply = (
        "From: Ilse Brandt <ilse.brandt@example.org>\r\n"
        f"Subject: Re: [{reference}] and more about the quarterly court statistics tables\r\n"
        f"Message-ID: <ilse-1@example.org>\r\n\r\nAlso: {'Unbroken' + 'z' * 300}\r\n"
    )
    done = subprocess.run(  # noqa: S603
        [sys.executable, "-m", "flask", "mail", "receive"],
        cwd=ROOT,
        env=_server_env(engage_server.database_url, engage_server.url),
        input=reply,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    stranger = (  # waits in Mail in, with a subject that is one 300-character word
        "From: someone@elsewhere.example\r\nSubject: " + "Unbroken" + "s" * 292 + "\r\n"
        "Message-ID: <stranger-1@elsewhere.example>\r\n\r\nHello\r\n"
    )
    done = subprocess.run(  # noqa: S603
        [sys.executable, "-m", "flask", "mail", "receive"],
        cwd=ROOT,
        env=_server_env(engage_server.database_url, engage_server.url),
        input=stranger,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    desk = staff_page("cso")
    desk.set_viewport_size({"width": 320, "height": 900})
    desk.goto("/staff/mail-in")
    expect(desk.get_by_role("link", name="Unbroken" + "s" * 292)).to_be_visible()
    width = desk.evaluate("document.documentElement.scrollWidth")
    assert width <= 320, f"Mail in is {width}px wide at 320px"
    desk.goto(f"/staff/cases/{reference}")
    desk.goto(f"/staff/cases/{reference}")  # a view to list
    expect(desk.locator("[data-complaint-viewers]")).to_contain_text("Case page")
    expect(desk.locator("[data-case-emails-received]")).to_contain_text("ilse.brandt@example.org")
    width = desk.evaluate("document.documentElement.scrollWidth")
    assert width <= 320, f"the case page is {width}px wide at 320px"
    Journey("desk-small-screen", desk).check("case")


def test_the_admin_pages_of_the_desk_and_mail_in_fit_a_small_screen(staff_page):
    # Their tables were not in a scrolling wrapper: the pages scrolled sideways at 320 px.
    page = staff_page("admin")
    page.set_viewport_size({"width": 320, "height": 900})
    journey = Journey("desk-admin-small-screen", page)
    for step, path in (
        ("mail-in", "/staff/admin/mail-in"),
        ("themes", "/staff/admin/complaint-themes"),
    ):
        page.goto(path)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 320, f"{path} is {width}px wide at 320px"
        journey.check(step)
