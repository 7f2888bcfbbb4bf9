"""The case actions and the workflow rules share one key: every rule has its action page, no
page lacks a rule, and each page's slug is its own."""

from engage.cases.actions import ACTIONS, NAME_FOR_SLUG
from engage.cases.rules import RULES


def test_every_rule_has_its_action_page_and_no_page_lacks_a_rule():
    assert set(ACTIONS) == set(RULES)


def test_each_action_page_has_its_own_slug():
    assert len(NAME_FOR_SLUG) == len(ACTIONS)
    assert all(NAME_FOR_SLUG[action.slug] == name for name, action in ACTIONS.items())
