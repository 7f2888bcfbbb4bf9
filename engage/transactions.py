"""What the session's current transaction has written: the tables, noted as it flushes objects
and runs INSERT, UPDATE or DELETE statements, forgotten when the transaction ends (commit or
rollback). Two things depend on it:
- the one cache (engage.caching.for_version) keeps no value computed by a transaction that wrote
  to the tables of its version: if it rolled back, another change could reach the same version
  number with other rows;
- a page that only recorded who saw what commits without waiting for the disk
  (engage.audit.commit_views); a transaction that wrote anything else never does.

A statement whose table cannot be told (raw SQL other than a SELECT) counts as any table ("?").
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import TextClause, event
from sqlalchemy.orm import ORMExecuteState, Session

_WRITTEN = "engage_written_tables"
ANY_TABLE = "?"


@event.listens_for(Session, "after_flush")
def _note_flushed_tables(session: Session, _context: Any) -> None:
    written = session.info.setdefault(_WRITTEN, set())
    for instance in (*session.new, *session.dirty, *session.deleted):
        written.add(getattr(type(instance), "__tablename__", None) or ANY_TABLE)


@event.listens_for(Session, "do_orm_execute")
def _note_executed_writes(state: ORMExecuteState) -> None:
    if state.is_select:
        return
    statement = state.statement
    if isinstance(statement, TextClause) and str(statement).lstrip().upper().startswith("SELECT"):
        return
    mapper = state.bind_mapper
    table = getattr(mapper.class_, "__tablename__", None) if mapper is not None else None
    state.session.info.setdefault(_WRITTEN, set()).add(table or ANY_TABLE)


@event.listens_for(Session, "after_transaction_end")
def _forget_written_tables(session: Session, transaction: Any) -> None:
    if transaction.parent is None:  # the outermost transaction: committed or rolled back
        session.info.pop(_WRITTEN, None)


def tables_written(session: Any) -> frozenset[str]:
    """The tables this transaction has written so far, flushed or executed (ANY_TABLE among them
    when a statement's table could not be told). Objects added but not yet flushed are not in
    it: callers that care look at `session.new` too."""
    return frozenset(session.info.get(_WRITTEN, ()))
