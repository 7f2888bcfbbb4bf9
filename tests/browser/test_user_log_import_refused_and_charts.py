"""Issue 21's journeys: a producer's import is refused because the user log changed after they
checked it (nothing is written; the new check can then be confirmed), and the user log's charts
and the engagement evidence on a 320 px screen."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import expect

from tests.browser.helpers import Journey, expect_success, heading, link_or_button

OUTPUT = "Civil Justice Statistics Quarterly"  # produced by producer@demo.engage.test
IMPORT_CSV = (
    "Name,Organisation,Email,Phone,Category,Engagement level,Uses,Source,First contact,"
    "Latest contact,Consent to contact\n"
    "Wren Okafor,Nuffield Foundation,wren.okafor@nuffield.example.org,,4,consulted,"
    "Research on civil courts,Event,2025-05-06,2025-10-01,yes\n"
)


def _open_log(page) -> None:  # type: ignore[no-untyped-def]
    page.goto("/staff/outputs")
    page.get_by_role("link", name=OUTPUT, exact=True).click()
    page.get_by_role("link", name="User log", exact=True).click()
    heading(page, f"User log: {OUTPUT}")


def test_an_import_is_refused_when_the_log_changed_after_the_check(staff_page, tmp_path: Path):
    page = staff_page("producer")
    journey = Journey("import-refused", page)
    _open_log(page)
    link_or_button(page, "Import a spreadsheet").click()
    heading(page, "Import a user log")
    csv_file = tmp_path / "civil-justice-more-users.csv"
    csv_file.write_text(IMPORT_CSV, encoding="utf-8")
    page.get_by_label("Upload a CSV or XLSX file").set_input_files(str(csv_file))
    page.get_by_role("button", name="Check the file").click()
    heading(page, "Check the import")
    report = page.get_by_role("table", name="What will happen to each row")
    expect(report.get_by_role("row").filter(has_text="Wren Okafor")).to_contain_text("Add")
    journey.check("checked")

    # Meanwhile, in another window, someone adds a person to the same log.
    other = staff_page("producer")
    _open_log(other)
    link_or_button(other, "Add a user").click()
    other.get_by_label("Name", exact=True).fill("Ngozi Adebayo")
    other.get_by_label("Email address (optional)").fill("ngozi.adebayo@example.org")
    other.get_by_label("Academics, researchers and students").check()
    other.get_by_label("Informed: told of publications and developments").check()
    other.get_by_label("Correspondence").check()
    other.get_by_role("button", name="Save").click()
    expect_success(other, "Ngozi Adebayo added to the user log")

    # The first window's confirm is refused, writes nothing, and shows the check again.
    page.get_by_role("button", name="Import 1 row").click()
    heading(page, "Check the import")
    expect(page.get_by_role("region", name="Important")).to_contain_text(
        "The user log changed after you checked this import. Nothing has been imported"
    )
    journey.check("refused")
    other.reload()
    expect(other.get_by_role("link", name="Wren Okafor", exact=True)).to_have_count(0)

    # Checked again, it can be confirmed.
    page.get_by_role("button", name="Import 1 row").click()
    heading(page, f"User log: {OUTPUT}")
    expect_success(page, "Import complete: 1 added, 0 updated, 0 unchanged, 0 refused")
    expect(page.get_by_role("link", name="Wren Okafor", exact=True)).to_be_visible()
    journey.check("imported")


def _fits(page) -> None:  # type: ignore[no-untyped-def]
    """Nothing makes the page itself scroll sideways (wide tables scroll in their wrapper)."""
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 320, f"the page is {width} px wide at 320 px"


def test_the_user_log_charts_on_a_320_px_screen(staff_page):
    page = staff_page("cso")
    page.set_viewport_size({"width": 320, "height": 800})
    journey = Journey("user-log-charts-320", page)
    _open_log(page)
    chart = page.get_by_role("img", name="Users in the log by category, split by engagement level")
    expect(chart).to_be_visible()
    box = chart.bounding_box()
    assert box is not None and box["width"] <= 300
    # Its text alternative: the table of the same figures, on the page.
    expect(
        page.get_by_role("table", name="Number of users in the log by category")
    ).to_be_attached()
    expect(page.get_by_role("img", name="New users by quarter")).to_be_visible()
    expect(page.get_by_role("img", name="Contacts by quarter")).to_be_visible()
    quarters = page.get_by_role("table", name="New users and contacts by quarter")
    expect(quarters.get_by_role("row")).to_have_count(9)
    _fits(page)
    journey.check("log")

    page.get_by_role("link", name=f"User engagement evidence for {OUTPUT}").click()
    heading(page, f"User engagement evidence: {OUTPUT}")
    expect(page.get_by_role("img", name="Users in the log by category")).to_be_visible()
    expect(
        page.get_by_role("table", name="Contacts with users by quarter, by channel")
    ).to_be_visible()
    _fits(page)
    journey.check("evidence")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download as XLSX").click()
    assert download.value.suggested_filename.endswith(".xlsx")
