"""axe-core (shipped by axe-playwright-python) run on a page with the WCAG 2.0, 2.1 and 2.2 A and
AA rules. Any violation fails the test with a readable list: rule, impact, help, each element."""

from __future__ import annotations

from typing import Any

from axe_playwright_python.sync_playwright import Axe

WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]

_axe = Axe()


class AccessibilityViolations(AssertionError):
    """Raised when axe-core finds WCAG A or AA violations on a page."""

    def __init__(self, where: str, violations: list[dict[str, Any]]) -> None:
        self.violations = violations
        self.rule_ids = [v["id"] for v in violations]
        super().__init__(format_violations(where, violations))


def format_violations(where: str, violations: list[dict[str, Any]]) -> str:
    lines = [f"{len(violations)} accessibility violation(s) (WCAG A/AA) on {where}:"]
    for violation in violations:
        lines.append(
            f"- {violation['id']} ({violation.get('impact') or 'no impact'}): "
            f"{violation['help']} <{violation['helpUrl']}>"
        )
        for node in violation["nodes"]:
            target = ", ".join(str(t) for t in node["target"])
            html = " ".join(node.get("html", "").split())[:200]
            lines.append(f"    at {target}: {html}")
            summary = " ".join((node.get("failureSummary") or "").split())
            if summary:
                lines.append(f"      {summary}")
    return "\n".join(lines)


def check_accessibility(page: Any, where: str | None = None) -> None:
    """Run axe on the page as it is now; raise AccessibilityViolations on any violation."""
    options = {
        "runOnly": {"type": "tag", "values": WCAG_TAGS},
        "resultTypes": ["violations"],
    }
    results = _axe.run(page, options=options)
    violations = results.response["violations"]
    if violations:
        raise AccessibilityViolations(where or page.url, violations)
