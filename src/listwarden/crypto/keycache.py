"""A bounded, thread-safe LRU cache of unwrapped keys, tagged with the store generation it trusts.

The cache remembers the key store's destruction counter (``generation``) at which its contents
were known good. When the store reports another value, some worker destroyed a key, and the cache
empties itself rather than risk serving it (see :class:`listwarden.crypto.keystore.KeyStore`).
"""

from __future__ import annotations

import threading
from collections import OrderedDict

CacheKey = tuple[str, str]


class KeyCache:
    """Least-recently-used map of ``(kind, name)`` to key bytes; ``capacity`` 0 disables it."""

    def __init__(self, capacity: int) -> None:
        if capacity < 0:
            raise ValueError("cache capacity cannot be negative")
        self.capacity = capacity
        self._items: OrderedDict[CacheKey, bytes] = OrderedDict()
        self._lock = threading.Lock()
        self._generation: int | None = None

    def __len__(self) -> int:
        return len(self._items)

    def get(self, key: CacheKey) -> bytes | None:
        with self._lock:
            value = self._items.get(key)
            if value is not None:
                self._items.move_to_end(key)
            return value

    def put(self, key: CacheKey, value: bytes, *, generation: int) -> None:
        """Remember ``value``, read from the store at ``generation``, unless that is now stale."""
        if self.capacity == 0:
            return
        with self._lock:
            if generation != self._generation:
                return
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.capacity:
                self._items.popitem(last=False)

    def put_many(self, items: dict[CacheKey, bytes], *, generation: int) -> None:
        """:meth:`put` for many keys under one lock; the most recently used are kept."""
        if self.capacity == 0:
            return
        with self._lock:
            if generation != self._generation:
                return
            for key, value in items.items():
                self._items[key] = value
                self._items.move_to_end(key)
            while len(self._items) > self.capacity:
                self._items.popitem(last=False)

    def evict(self, key: CacheKey) -> None:
        with self._lock:
            self._items.pop(key, None)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()

    def observe(self, generation: int) -> None:
        """Empty the cache if the store's generation moved since the cache last looked."""
        with self._lock:
            if self._generation != generation:
                self._items.clear()
                self._generation = generation

    def advance(self, old: int, new: int, destroyed: list[CacheKey]) -> None:
        """Record this process's own destruction of ``destroyed``, which moved ``old`` to ``new``.

        If the cache was current at ``old``, only the destroyed keys need to go; otherwise another
        worker destroyed something meanwhile and the whole cache is dropped.
        """
        with self._lock:
            if self._generation == old:
                for key in destroyed:
                    self._items.pop(key, None)
            else:
                self._items.clear()
            self._generation = new
