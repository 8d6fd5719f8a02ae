"""A small per-process cache of datasets and analyses, one per app.

Keys carry the data stamp (count of submitted attempts, last id, last finish), so a new or
voided attempt makes a new key and the old entry simply ages out: nothing is ever invalidated
by hand, and two processes can never disagree about what a key means. Per app rather than per
module, so that two apps in one process (tests) never share entries.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from flask import current_app

T = TypeVar("T")
MAX_ENTRIES = 32
_EXTENSION = "emm_analysis_cache"


class LruCache:
    def __init__(self, max_entries: int = MAX_ENTRIES):
        self._entries: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()
        self._max = max_entries
        self.misses = 0

    def get_or_make(self, key: Hashable, make: Callable[[], T]) -> T:
        """The entry of `key`, made (outside the lock: it may read the database) when absent.
        Two threads missing at once both make it; the values are equal, the last one stays."""
        with self._lock:
            if key in self._entries:
                self._entries.move_to_end(key)
                return self._entries[key]
            self.misses += 1
        value = make()
        with self._lock:
            self._entries[key] = value
            while len(self._entries) > self._max:
                self._entries.popitem(last=False)
        return value

    def drop_other_stamps(self, prefix: tuple[Hashable, ...], stamp: Hashable) -> None:
        """Forget entries under `prefix` made from other data than `stamp`: once the data has
        moved on nobody asks for them, and a large placement's matrix is megabytes."""
        size = len(prefix)
        with self._lock:
            for key in [k for k in self._entries if isinstance(k, tuple) and k[:size] == prefix]:
                if len(key) > size and key[size] != stamp:
                    del self._entries[key]


def app_cache() -> LruCache:
    cache = current_app.extensions.get(_EXTENSION)
    if cache is None:
        cache = current_app.extensions.setdefault(_EXTENSION, LruCache())
    return cache
