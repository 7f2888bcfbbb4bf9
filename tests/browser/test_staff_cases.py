"""The Chief Statistician's office works a complaint that arrived by letter: enters it (meeting
the error states first), triages it, assigns it, acknowledges it, sends a delay notice and
records the full response."""

from __future__ import annotations

import re
from datetime import date, timedelta

from playwright.sync_api import expect

from engage.calendar import get_calendar
from tests.browser.helpers import (
    Journey,
    expect_errors,
    follow_error,
    heading,
    link_or_button,
)


def _fill_date(page, legend: str, day: date) -> None:  # type: ignore[no-untyped-def]
    group = page.get_by_role("group", name=legend)
    group.get_by_label("Day").fill(str(day.day))
    group.get_by_label("Month").fill(str(day.month))
    group.get_by_label("Year").fill(str(day.year))


def _action(page, link: str, title: str) -> None:  # type: ignore[no-untyped-def]
    link_or_button(page, link).click()
    heading(page, title)


def test_cso_enters_triages_assigns_acknowledges_delays_and_answers_a_complaint(staff_page):
    page = staff_page("cso")
    journey = Journey("staff-case", page)
    received = date.today() - timedelta(days=2)

    page.goto("/staff")
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Cases").click()
    heading(page, "Cases")
    journey.check("list")
    link_or_button(page, "Enter a case").click()
    heading(page, "Enter a case")
    journey.check("new")

    page.get_by_role("button", name="Save case").click()
    expect_errors(
        page,
        "Select how it arrived",
        "Enter the date it was received",
        "Select the kind of case",
        "Enter the requester's full name",
    )
    journey.check("new-errors")
    follow_error(page, "Select how it arrived")
    page.get_by_label("Letter").check()
    focused = follow_error(page, "Enter the date it was received")
    expect(focused).to_have_accessible_name("Day")
    _fill_date(page, "Date received", received)
    # Entered first as an enquiry: triage will correct it.
    follow_error(page, "Select the kind of case")
    page.get_by_label("Enquiry about published statistics").check()
    page.get_by_label("Requester's full name").fill("Alex Rahman")
    page.get_by_label("Postal address").fill("12 Mill Lane\nYork\nYO1 7AA")
    page.get_by_label("Message").fill(
        "Your office has not replied to my two letters about the youth justice tables."
    )
    page.get_by_role("button", name="Save case").click()
    heading(page, re.compile(r"^Case C-\d{4}-\d{5}$"))
    case_url = page.url.split("?")[0]
    journey.check("received")

    # Triage: it is a complaint about the service.
    _action(page, "Set the kind of case", "Set the kind of case")
    page.get_by_label("Complaint about the service").check()
    page.get_by_role("button", name="Save kind").click()
    expect(page).to_have_url(case_url)
    expect(page.get_by_role("main")).to_contain_text("Complaint about the service")

    # Assign: forgetting to choose someone first.
    _action(page, "Assign the case", "Assign the case")
    page.get_by_role("button", name="Assign").click()
    expect_errors(page, "Select who to assign the case to")
    journey.check("assign-errors")
    focused = follow_error(page, "Select who to assign the case to")
    expect(focused).to_have_accessible_name("Assign to")
    page.get_by_label("Assign to").select_option(label="Sam Officer")
    page.get_by_role("button", name="Assign").click()
    expect(page).to_have_url(case_url)

    _action(page, "Acknowledge the case", "Acknowledge the case")
    journey.check("acknowledge")
    page.get_by_role("button", name="Confirm").click()
    expect(page).to_have_url(case_url)

    # Delay notice: both fields are needed.
    _action(page, "Send a delay notice", "Send a delay notice")
    page.get_by_role("button", name="Send delay notice").click()
    expect_errors(page, "Enter the reason for the delay", "Enter the revised target date")
    journey.check("delay-errors")
    focused = follow_error(page, "Enter the reason for the delay")
    expect(focused).to_have_accessible_name("Reason for the delay")
    page.keyboard.type("We need records from the Youth Justice Board to answer fully.")
    focused = follow_error(page, "Enter the revised target date")
    expect(focused).to_have_accessible_name("Day")
    # A working day after respond-by and within 20 more working days (issue 17).
    revised = get_calendar("ENG", frozenset()).add_working_days(date.today(), 30)
    _fill_date(page, "Revised target date", revised)
    page.get_by_role("button", name="Send delay notice").click()
    expect(page).to_have_url(case_url)

    # The full response: sent by post is already chosen, as there is no email address.
    _action(page, "Record the full response", "Record the full response")
    expect(page.get_by_label("By post")).to_be_checked()
    page.get_by_role("button", name="Record response").click()
    expect_errors(page, "Enter the response")
    journey.check("respond-errors")
    follow_error(page, "Enter the response")
    page.keyboard.type("We are sorry for the delay. The tables you asked about are attached.")
    page.get_by_role("button", name="Record response").click()
    expect(page).to_have_url(case_url)

    main = page.get_by_role("main")
    expect(main).to_contain_text("Responded")
    history = page.get_by_role("table").last
    for event in ("Received", "Assigned", "Acknowledged", "Delay notice", "Responded"):
        expect(history).to_contain_text(event)
    journey.check("responded")
