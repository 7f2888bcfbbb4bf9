"""THE rules of the SLA clock, written once. Everything else is built from these definitions:
the Python status of a case (``status.py``), every SQL expression (``sql.py``: the case list's
filters, the generated column ``cases.sla_outcome``, the indexes, the scan for warnings, the
dashboard, the annual report and the performance page), the CSV's outcome columns, and the
definitions printed in the report and in docs/cases.md.

A case has two clocks, *acknowledge* and *respond*. Each clock is

- **fulfilled** by the first of its ``fulfilled_by`` dates (a full response also fulfils the
  acknowledge clock),
- **stopped** by the first of its ``stopped_by`` dates (a transfer or a withdrawal),
- measured against its deadline (``acknowledge_by``, ``respond_by``; a deadline runs to the end
  of its day), and, for the respond clock only, **paused** while ``paused_on`` is set (waiting
  for clarification or for consent to a charge): a pause never stops the acknowledge clock.

The outcome of a clock is exactly one of:

- **met**: fulfilled on or before its deadline;
- **missed**: its deadline passed before it was fulfilled, whatever stopped it later (a late
  transfer or withdrawal is still missed: the breach email already went out);
- **not measured**: stopped by a transfer or a withdrawal on or before its deadline, before it
  was fulfilled;
- otherwise **running**, with a status that depends on the day: *overdue* (the deadline has
  passed; a paused clock is overdue only if it was already late when paused), *due soon* (the
  deadline is within the next 2 working days: ``deadline <= boundary``), else *in time*.

A case is **finished** once its respond clock has stopped (which stops the acknowledge clock
too). A finished case is **missed** when any clock was missed, **met** when none was missed and
at least one was met, else **not measured**. A case still open shows the worst status of its
running clocks (overdue, then due soon, then in time).
"""

from __future__ import annotations

from dataclasses import dataclass

from engage.cases.sla.expr import (
    All,
    AnyOf,
    Col,
    Expr,
    IsNull,
    NotNull,
    Param,
    all_null,
    any_set,
    coalesce,
    eq,
    le,
    lt,
    when,
)

MET, MISSED, NOT_MEASURED = "met", "missed", "not_measured"
IN_TIME, DUE_SOON, OVERDUE = "in_time", "due_soon", "overdue"
OUTCOMES = (MET, MISSED, NOT_MEASURED)
RUNNING_STATUSES = (IN_TIME, DUE_SOON, OVERDUE)
# Words for people (the CSV, the report, the docs).
OUTCOME_WORDS = {MET: "met", MISSED: "missed", NOT_MEASURED: "not measured", None: "running"}

TODAY, BOUNDARY = Param("today"), Param("boundary")
STOPPED_BY = ("transferred_on", "withdrawn_on")


@dataclass(frozen=True)
class Clock:
    name: str
    deadline: str
    fulfilled_by: tuple[str, ...]
    stopped_by: tuple[str, ...]
    paused_by: str | None
    definition: str  # one sentence, printed with every table that counts this clock

    @property
    def stop_columns(self) -> tuple[str, ...]:
        return self.fulfilled_by + self.stopped_by

    @property
    def running(self) -> All:
        """Neither fulfilled nor stopped."""
        return all_null(*self.stop_columns)

    @property
    def outcome(self) -> Expr:
        """met / missed / not_measured, or NULL while the clock runs."""
        fulfilled, stopped, deadline = (
            coalesce(*self.fulfilled_by),
            coalesce(*self.stopped_by),
            Col(self.deadline),
        )
        return when(
            (le(fulfilled, deadline), MET),
            (self.running, None),
            (le(stopped, deadline), NOT_MEASURED),
            otherwise=MISSED,
        )

    @property
    def running_status(self) -> Expr:
        """in_time / due_soon / overdue of a running clock on `today`."""
        deadline = Col(self.deadline)
        branches: list[tuple[Expr, Expr | str | None]] = []
        if self.paused_by:
            paused = Col(self.paused_by)
            on_pause = when((lt(deadline, paused), OVERDUE), otherwise=IN_TIME)
            branches.append((NotNull(paused), on_pause))
        branches += [(lt(deadline, TODAY), OVERDUE), (le(deadline, BOUNDARY), DUE_SOON)]
        return when(*branches, otherwise=IN_TIME)

    @property
    def status(self) -> Expr:
        """The clock's status on `today`: its outcome once stopped, else its running status."""
        return when((self.running, self.running_status), otherwise=self.outcome)

    @property
    def warns(self) -> Expr:
        """The scan's warning rule: a running, unpaused clock whose deadline is on or before
        the due-soon boundary (a breach when it is before today). A paused clock sends no
        warning: it was already warned about if it was late when paused."""
        conditions: list[Expr] = [self.running, le(Col(self.deadline), BOUNDARY)]
        if self.paused_by:
            conditions.append(IsNull(Col(self.paused_by)))
        return All(tuple(conditions))


ACKNOWLEDGE = Clock(
    name="acknowledge",
    deadline="acknowledge_by",
    fulfilled_by=("acknowledged_on", "responded_on"),
    stopped_by=STOPPED_BY,
    paused_by=None,
    definition=(
        "Acknowledged within 5 working days: met when the acknowledgement (or the full "
        "response, if it came first) was sent on or before the 5th working day after the day "
        "of receipt; missed when that day passed first, even if the case was transferred or "
        "withdrawn later; not measured when it was transferred or withdrawn on or before that "
        "day without an acknowledgement; a pause for clarification does not stop this clock."
    ),
)
RESPOND = Clock(
    name="respond",
    deadline="respond_by",
    fulfilled_by=("responded_on",),
    stopped_by=STOPPED_BY,
    paused_by="paused_on",
    definition=(
        "Responded within 20 working days: met when the full response was sent on or before "
        "the 20th working day after the day of receipt (moved later by the working days we "
        "waited for clarification or for consent to a charge); missed when that day passed "
        "first, even if a delay notice was sent or the case was transferred or withdrawn "
        "later; not measured when it was transferred or withdrawn on or before that day."
    ),
)
CLOCKS = (ACKNOWLEDGE, RESPOND)

CASE_DEFINITION = (
    "A finished case (fully answered, transferred or withdrawn) is missed when either of its "
    "deadlines was missed, met when neither was missed and at least one was met, and not "
    "measured when it was transferred or withdrawn in time before either was met."
)

# A case is finished once its respond clock has stopped (that stops the acknowledge clock too).
FINISHED = any_set(*RESPOND.stop_columns)
CASE_OUTCOME = when(
    (RESPOND.running, None),
    (AnyOf((eq(ACKNOWLEDGE.outcome, MISSED), eq(RESPOND.outcome, MISSED))), MISSED),
    (AnyOf((eq(ACKNOWLEDGE.outcome, MET), eq(RESPOND.outcome, MET))), MET),
    otherwise=NOT_MEASURED,
)
# The status of a case whose respond clock still runs: the worst status of its clocks (a
# stopped acknowledge clock is neither overdue nor due soon).
_STATUSES = (ACKNOWLEDGE.status, RESPOND.status)
OPEN_STATUS = when(
    (AnyOf(tuple(eq(s, OVERDUE) for s in _STATUSES)), OVERDUE),
    (AnyOf(tuple(eq(s, DUE_SOON) for s in _STATUSES)), DUE_SOON),
    otherwise=IN_TIME,
)
# The overall status of a case on `today`: its outcome once finished, else OPEN_STATUS.
CASE_STATUS = when((FINISHED, CASE_OUTCOME), otherwise=OPEN_STATUS)
# The deadline that matters next: acknowledge-by while that clock runs, then respond-by. The
# case list sorts by it (and its indexes hold it).
NEXT_DEADLINE = when((ACKNOWLEDGE.running, Col("acknowledge_by")), otherwise=Col("respond_by"))
