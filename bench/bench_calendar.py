"""Micro-benchmark: engage.calendar lookups vs numpy business-day functions, per call.

Run from the repository root: `python bench/bench_calendar.py`. Not part of the test suite.
numpy is called once per date (as the app would call it per complaint) with the same holiday
array, both as a raw `holidays=` array and with a prebuilt `busdaycalendar` (its best case).
"""

from __future__ import annotations

import random
import sys
import timeit
from datetime import date, timedelta
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from engage.calendar import SPAN_END, SPAN_START, get_calendar  # noqa: E402

N_DATES = 2000
REPEAT = 5


def per_call_ns(func, dates: list[date]) -> float:
    """Best-of-REPEAT time per call in nanoseconds over all `dates`."""
    best = min(timeit.repeat(lambda: [func(d) for d in dates], number=1, repeat=REPEAT))
    return best / len(dates) * 1e9


def main() -> None:
    rng = random.Random(1)
    span = (date(2000, 1, 1), date(2070, 12, 31))
    days = (span[1] - span[0]).days
    dates = [span[0] + timedelta(days=rng.randrange(days)) for _ in range(N_DATES)]
    ends = [d + timedelta(days=rng.randrange(1, 60)) for d in dates]
    end_of = dict(zip(dates, ends, strict=True))

    cal = get_calendar("ENG")
    all_days = (SPAN_START + timedelta(days=k) for k in range((SPAN_END - SPAN_START).days + 1))
    hol = np.array(
        [d for d in all_days if d.weekday() < 5 and not cal.is_working_day(d)],
        dtype="datetime64[D]",
    )
    npcal = np.busdaycalendar(holidays=hol)
    one = timedelta(days=1)

    rows = [
        (
            "add 20 working days",
            per_call_ns(lambda d: cal.add_working_days(d, 20), dates),
            per_call_ns(lambda d: np.busday_offset(d, 20, roll="backward", holidays=hol), dates),
            per_call_ns(lambda d: np.busday_offset(d, 20, roll="backward", busdaycal=npcal), dates),
        ),
        (
            "count working days",
            per_call_ns(lambda d: cal.working_days_between(d, end_of[d]), dates),
            per_call_ns(lambda d: np.busday_count(d + one, end_of[d] + one, holidays=hol), dates),
            per_call_ns(
                lambda d: np.busday_count(d + one, end_of[d] + one, busdaycal=npcal), dates
            ),
        ),
        (
            "deadlines (2 adds)",
            per_call_ns(cal.deadlines, dates),
            None,
            None,
        ),
    ]
    print(f"numpy {np.__version__}, {len(hol)} weekday holidays, {N_DATES} dates, best of {REPEAT}")
    print()
    print(
        "| operation | engage ns/call | numpy holidays= ns/call | numpy busdaycal ns/call "
        "| ratio vs holidays= | ratio vs busdaycal |"
    )
    print("|---|---:|---:|---:|---:|---:|")
    for name, ours, np_arr, np_cal in rows:
        if np_arr is None or np_cal is None:
            print(f"| {name} | {ours:,.0f} | - | - | - | - |")
            continue
        print(
            f"| {name} | {ours:,.0f} | {np_arr:,.0f} | {np_cal:,.0f} "
            f"| {ours / np_arr:.3f} | {ours / np_cal:.3f} |"
        )


if __name__ == "__main__":
    main()
