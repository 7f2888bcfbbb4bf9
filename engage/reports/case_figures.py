"""The enquiries and complaints tables of the annual report (and the counts the performance
page reads), all from the one SLA rule of ``engage.cases.sla.rules``.

Cases are counted by the year in which they were **received** (a case received on 30 March and
answered on 20 April counts in the year it arrived, with its answer). Each clock's outcome is the
rule's: *met*, *missed* (the deadline passed before it was fulfilled, even if a transfer or a
withdrawal stopped it later), *not measured* (transferred or withdrawn in time, before being
fulfilled), or still running: *deadline passed* or *not yet due* on the day the figures are
computed (a paused respond clock is overdue only if it was late when paused). *Cases measured*
= met + missed + deadline passed. A finished case is met, missed or not measured by the rule's
case-level outcome (the staff dashboard counts the same).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

from sqlalchemy import and_, case, func, select

from engage.cases.models import Case
from engage.cases.sla import rules, sql
from engage.cases.workflow import TRANSFER_FOR_KIND
from engage.extensions import db
from engage.reports.tables import fill_shares, grouped, iso, make_table, with_total_row
from engage.vocab import CASE_KINDS, TRANSFER_LABELS

PENDING = ("in_time", "due_soon")  # a running clock whose deadline has not passed
NAMES = [
    "received",
    "transferred",
    "withdrawn",
    "case_met",
    "case_missed",
    "case_not_measured",
    "case_open",
    *(
        f"{c.name}_{outcome}"
        for c in rules.CLOCKS
        for outcome in ("met", "missed", "not_measured", "overdue", "pending")
    ),
    "delay_notices",
    "missed_with_notice",
    "missed_without_notice",
    "met_revised_target",
]


def case_counts(
    start: date, end: date, as_of: date, group: Any, *where: Any
) -> dict[Any, dict[str, int]]:
    """One grouped query: per group value, the counts every cases table needs (NAMES)."""

    def count_if(cond: Any) -> Any:
        return func.sum(case((cond, 1), else_=0))

    outcome = sql.case_outcome()
    per_clock = []
    for c in rules.CLOCKS:
        status = sql.clock_status(c.name, as_of, as_of)
        per_clock += [
            count_if(status == "met"),
            count_if(status == "missed"),
            count_if(status == "not_measured"),
            count_if(status == "overdue"),
            count_if(status.in_(PENDING)),
        ]
    respond_missed = sql.clock_outcome("respond") == "missed"
    query = (
        select(
            group.label("g"),
            func.count(Case.id),
            count_if(Case.transferred_on.is_not(None)),
            count_if(Case.withdrawn_on.is_not(None)),
            count_if(outcome == "met"),
            count_if(outcome == "missed"),
            count_if(outcome == "not_measured"),
            count_if(outcome.is_(None)),
            *per_clock,
            count_if(Case.delay_notice_on.is_not(None)),
            count_if(and_(respond_missed, Case.delay_notice_on.is_not(None))),
            count_if(and_(respond_missed, Case.delay_notice_on.is_(None))),
            count_if(
                and_(
                    Case.delay_notice_on.is_not(None),
                    Case.revised_target_on.is_not(None),
                    Case.responded_on <= Case.revised_target_on,
                )
            ),
        )
        .where(Case.received_on >= start, Case.received_on <= end, *where)
        .group_by(group)
    )
    out: dict[Any, dict[str, int]] = {}
    for row in db.session.execute(query):
        out[row[0]] = {name: int(value or 0) for name, value in zip(NAMES, row[1:], strict=True)}
    return out


def empty_counts() -> dict[str, int]:
    return defaultdict(int)  # type: ignore[return-value]


CLOCK_TITLES = {
    "acknowledge": ("Acknowledged within 5 working days of receipt", "acknowledged", "5"),
    "respond": ("Responded within 20 working days of receipt", "responded", "20"),
}


def clock_table(clock: rules.Clock, kinds: list[tuple[str, str, dict[str, int]]]) -> dict:  # type: ignore[type-arg]
    """One clock's outcomes by kind: received = not measured + not yet due + measured, and
    measured = met + missed + deadline passed."""
    title, verb, days = CLOCK_TITLES[clock.name]
    rows = []
    for _, label, c in kinds:
        n = {k: c[f"{clock.name}_{k}"] for k in ("met", "missed", "not_measured", "overdue")}
        measured = n["met"] + n["missed"] + n["overdue"]
        pending = c[f"{clock.name}_pending"]
        rows.append(
            [
                label,
                c["received"],
                n["not_measured"],
                pending,
                measured,
                n["met"],
                n["missed"],
                n["overdue"],
                "",
            ]
        )
    rows = with_total_row(rows, [1, 2, 3, 4, 5, 6, 7])
    shares = [{"column": 8, "in_time": 5, "total": 4}]
    fill_shares(rows, shares)
    return make_table(
        verb,
        "cases",
        title,
        [
            "Kind",
            "Received",
            "Not measured (transferred or withdrawn in time)",
            "Not yet due",
            "Cases measured",
            f"Met: {verb} within {days} working days",
            "Missed",
            f"Deadline passed, not yet {verb}",
            f"Share {verb} within {days} working days",
        ],
        rows,
        definition=clock.definition,
        count_columns=[1, 2, 3, 4, 5, 6, 7],
        total_row=True,
        shares=shares,
        row_sums=[{"total": 1, "parts": [2, 3, 4]}, {"total": 4, "parts": [5, 6, 7]}],
        links=[(r, 1, "cases_received", r, 1) for r in range(len(rows))],
        # Missed responses = those with a delay notice + those without (delay_notices table).
        sum_links=[(r, 6, "delay_notices", r, [3, 4]) for r in range(len(rows))]
        if clock.name == "respond"
        else [],
    )


def cases_tables(start: date, end: date, as_of: date) -> list[dict[str, Any]]:
    by_kind = case_counts(start, end, as_of, Case.kind)
    kinds = [(key, label, by_kind.get(key, empty_counts())) for key, label in CASE_KINDS.items()]
    return [
        _received_table(kinds),
        *[clock_table(c, kinds) for c in rules.CLOCKS],
        _delay_notices_table(kinds),
        *_transfer_and_referral_tables(start, end),
    ]


def _received_table(kinds: list[tuple[str, str, dict[str, int]]]) -> dict[str, Any]:
    rows = [
        [
            label,
            c["received"],
            c["case_met"],
            c["case_missed"],
            c["case_not_measured"],
            c["case_open"],
            c["transferred"],
            c["withdrawn"],
        ]
        for _, label, c in kinds
    ]
    return make_table(
        "cases_received",
        "cases",
        "Enquiries and complaints received, by kind and outcome",
        [
            "Kind",
            "Received",
            "Met",
            "Missed",
            "Not measured",
            "Still open",
            "Transferred to another team",
            "Withdrawn",
        ],
        with_total_row(rows, [1, 2, 3, 4, 5, 6, 7]),
        definition="Enquiries and complaints received during the year, counted by the date "
        "we received them (a case received near the end of the year and answered in the "
        "next year counts here, in the year it arrived). "
        + rules.CASE_DEFINITION
        + " Requests for unpublished statistics go to the Freedom of Information team, "
        "complaints about FoI answers to the FoI internal review, and media enquiries to "
        "the press office.",
        count_columns=[1, 2, 3, 4, 5, 6, 7],
        total_row=True,
        row_sums=[{"total": 1, "parts": [2, 3, 4, 5]}],
    )


def _delay_notices_table(kinds: list[tuple[str, str, dict[str, int]]]) -> dict[str, Any]:
    rows = [
        [
            label,
            c["delay_notices"],
            c["met_revised_target"],
            c["missed_with_notice"],
            c["missed_without_notice"],
        ]
        for _, label, c in kinds
    ]
    return make_table(
        "delay_notices",
        "cases",
        "Delay notices and late responses",
        [
            "Kind",
            "Delay notices sent",
            "Responded by the revised date given in the delay notice",
            "Missed the 20 working day deadline, with a delay notice",
            "Missed the 20 working day deadline, without a delay notice",
        ],
        with_total_row(rows, [1, 2, 3, 4]),
        definition="When we cannot give a full response within 20 working days we tell the "
        "requester before the deadline, with the reason and a revised date (a delay "
        "notice). A response after the 20 working day deadline is counted as late whether "
        "or not a delay notice was sent.",
        count_columns=[1, 2, 3, 4],
        total_row=True,
    )


def _transfer_and_referral_tables(start: date, end: date) -> list[dict[str, Any]]:
    section = "cases"
    transfers = grouped(
        select(Case.transferred_to, func.count(Case.id))
        .where(
            Case.received_on >= start,
            Case.received_on <= end,
            Case.transferred_on.is_not(None),
        )
        .group_by(Case.transferred_to)
    )
    rows = [[label, transfers.get(key, 0)] for key, label in TRANSFER_LABELS.items()]
    # Each kind goes to one team: the same counts as the cases received table's transfers.
    kinds = list(CASE_KINDS)
    links = [
        (i, 1, "cases_received", kinds.index(kind), 6)
        for kind, to in TRANSFER_FOR_KIND.items()
        for i, key in enumerate(TRANSFER_LABELS)
        if key == to
    ] + [(len(rows), 1, "cases_received", len(kinds), 6)]
    referrals = db.session.execute(
        select(
            Case.reference,
            Case.kind,
            Case.uksa_referred_on,
            Case.uksa_outcome_on,
            Case.uksa_outcome,
        )
        .where(Case.uksa_referred_on >= start, Case.uksa_referred_on <= end)
        .order_by(Case.uksa_referred_on, Case.id)
    ).all()
    with_outcome = sum(1 for r in referrals if r.uksa_outcome_on or r.uksa_outcome)
    return [
        make_table(
            "transfers",
            section,
            "Cases transferred to another team",
            ["Transferred to", "Cases"],
            with_total_row(rows, [1]),
            definition="Cases received in the year that we recorded and passed to the team "
            "that handles them. A transfer on or before a deadline stops that clock without "
            "measuring it; a transfer after a deadline does not undo the missed deadline.",
            count_columns=[1],
            total_row=True,
            links=links,
        ),
        make_table(
            "uksa_referrals",
            section,
            "Complaints referred to the UK Statistics Authority",
            ["Measure", "Complaints"],
            [
                ["Outcome received", with_outcome],
                ["Awaiting the Authority's outcome", len(referrals) - with_outcome],
                ["Referred during the year", len(referrals)],
            ],
            definition="A complainant still unsatisfied after our full response about a matter "
            "of the Code of Practice for Statistics may refer the complaint to the UK "
            "Statistics Authority. Counted by the date of referral.",
            count_columns=[1],
            total_row=True,
        ),
        make_table(
            "uksa_referral_outcomes",
            section,
            "Referrals to the UK Statistics Authority and their outcomes",
            ["Case", "Kind", "Referred on", "Outcome recorded on", "Outcome"],
            [
                [
                    r.reference,
                    CASE_KINDS.get(r.kind, r.kind),
                    iso(r.uksa_referred_on),
                    iso(r.uksa_outcome_on),
                    r.uksa_outcome or "Awaiting outcome",
                ]
                for r in referrals
            ],
            definition="Each referral with the Authority's outcome. Not for publication: it "
            "describes individual complaints.",
            internal=True,
            empty="No complaints were referred to the Authority in this year.",
        ),
    ]
