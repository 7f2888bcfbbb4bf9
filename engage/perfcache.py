"""A small per-process cache for figures that are costly to compute and change rarely.

Each web worker keeps its own copy. An entry is used only while its key is unchanged and it is
younger than `PERFORMANCE_CACHE_SECONDS` (default 600); callers put in the key something that
changes whenever the underlying data changes (for example a count and the largest id), so a
cached figure is never older than the data it describes by more than that limit. Setting
`PERFORMANCE_CACHE_SECONDS=0` turns the cache off (the test suite does, since each test builds
its own data and ids repeat between tests).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from datetime import datetime
from typing import Any, TypeVar

from flask import current_app

from engage.db_types import utcnow

T = TypeVar("T")

MAX_ENTRIES = 256
_lock = threading.Lock()
_entries: dict[Hashable, tuple[float, datetime, Any]] = {}


def cache_seconds() -> float:
    return float(current_app.config.get("PERFORMANCE_CACHE_SECONDS", 600))


def cached(key: Hashable, compute: Callable[[], T]) -> tuple[T, datetime]:
    """(value, when it was computed) for `key`, computing it when absent or expired."""
    seconds = cache_seconds()
    if seconds <= 0:
        return compute(), utcnow()
    now = time.monotonic()
    with _lock:
        entry = _entries.get(key)
    if entry is not None and now - entry[0] < seconds:
        return entry[2], entry[1]
    value = compute()
    computed_at = utcnow()
    with _lock:
        if len(_entries) >= MAX_ENTRIES:
            for old in sorted(_entries, key=lambda k: _entries[k][0])[: MAX_ENTRIES // 4]:
                del _entries[old]
        _entries[key] = (now, computed_at, value)
    return value, computed_at


def clear() -> None:
    with _lock:
        _entries.clear()
