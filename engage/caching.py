"""The one cache of the application: app-scoped (each app, so each test app and each worker,
has its own, in ``app.extensions``), keyed with the database it reads from, bounded in size.

One invalidation story: an entry is keyed by what its value depends on, so it is never used
after that changed. Values that read only tables whose version the database keeps
(``engage.table_versions``: a trigger bumps it on any change) are kept per version
(``for_version``): exact, whatever writes the rows. Values that read other tables are kept for at
most ``PERFORMANCE_CACHE_SECONDS`` (``for_seconds``; 0 turns it off) and their key must name what
changes with the data (a consultation's ``responses_version``, today's date). No domain function
or view builds a cache key from the engine or knows about triggers: they call these two.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from datetime import datetime
from typing import Any, TypeVar

from flask import current_app

from engage import transactions
from engage.db_types import utcnow
from engage.extensions import db
from engage.table_versions import VERSIONED_TABLES, current_version

T = TypeVar("T")
MAX_ENTRIES = 1024


def _store() -> tuple[threading.Lock, OrderedDict[Hashable, Any]]:
    store = current_app.extensions.get("engage_cache")
    if store is None:
        store = current_app.extensions.setdefault("engage_cache", (threading.Lock(), OrderedDict()))
    return store  # type: ignore[no-any-return]


def _get(key: Hashable) -> tuple[bool, Any]:
    lock, entries = _store()
    with lock:
        if key in entries:
            entries.move_to_end(key)
            return True, entries[key]
    return False, None


def _put(key: Hashable, value: Any) -> None:
    lock, entries = _store()
    with lock:
        entries[key] = value
        while len(entries) > MAX_ENTRIES:
            entries.popitem(last=False)


def _wrote_version(version: str) -> bool:
    """Whether this transaction wrote to a table of `version`: it sees the version its own
    change made, and if it rolls back, another change can reach the same number with other rows,
    so nothing it computes is kept (it is still computed and returned)."""
    written = transactions.tables_written(db.session)
    return transactions.ANY_TABLE in written or any(
        VERSIONED_TABLES.get(table) == version for table in written
    )


def for_version(table: str, key: Hashable, compute: Callable[[], T]) -> T:
    """`compute()`, or its value from an earlier call with the same key while `table` has not
    changed since. `table` names a version (engage.table_versions.VERSIONED_TABLES: a table's
    own, or one shared by tables read together, as "log_consents"). `compute` must read only
    the tables of that version (and the key must say everything else the
    value depends on: the user's scope, filters, today's date). The version and the value are
    read in the same transaction, so a value is exactly that version's."""
    version = current_version(table)
    if version is None or _wrote_version(table):
        return compute()
    full_key = ("version", str(db.engine.url), table, version, key)
    found, value = _get(full_key)
    if found:
        return value  # type: ignore[no-any-return]
    value = compute()
    _put(full_key, value)
    return value


def cache_seconds() -> float:
    return float(current_app.config.get("PERFORMANCE_CACHE_SECONDS", 600))


def for_seconds(key: Hashable, compute: Callable[[], T]) -> tuple[T, datetime]:
    """(value, when it was computed) for `key`, computed again once older than
    PERFORMANCE_CACHE_SECONDS."""
    seconds = cache_seconds()
    if seconds <= 0:
        return compute(), utcnow()
    full_key = ("seconds", str(db.engine.url), key)
    found, entry = _get(full_key)
    now = time.monotonic()
    if found and now - entry[0] < seconds:
        return entry[2], entry[1]
    value = compute()
    computed_at = utcnow()
    _put(full_key, (now, computed_at, value))
    return value, computed_at


def clear() -> None:
    """Forget every entry of this app."""
    lock, entries = _store()
    with lock:
        entries.clear()
