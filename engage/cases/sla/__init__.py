"""The SLA clock of enquiries and complaints, defined once.

- ``rules.py``: THE rules (which dates fulfil, stop and pause which clock; the outcome of a
  clock and of a case; the overall status on a day), written in the small expression language
  of ``expr.py``. Nothing else in the code base states them.
- ``expr.py``: that language, read three ways: Python, SQLAlchemy, SQL text.
- ``status.py``: the rules in Python, for one case or one row.
- ``sql.py``: the rules in SQL (filters, counts, the report's measures).
- ``deadlines.py``: the calendar in force and the deadlines it gives.

``engage.cases.clock`` re-exports the public names, so callers import from one place. This
package's ``__init__`` imports nothing (``engage.cases.models`` builds its generated column and
indexes from ``rules`` while the package is being imported).
"""
