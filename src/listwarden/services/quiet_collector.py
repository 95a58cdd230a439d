"""Keeping the cyclic garbage collector off a long job's heap (an import, the retention sweep).

Such a job allocates millions of objects that die by reference counting, not in cycles, but
every 700 allocations the collector walks the young ones still alive (a batch's rows live
until they are written), promotes them, and so sets off a full collection every batch or two,
walking the whole heap (every module, table, policy and cache: some 150,000 objects). That cost
an import of 40,000 rows a sixth of its time, and a sweep of a million entries a twelfth. So
while any such job runs, ``gc.freeze`` moves what was alive before it out of the collector's
sight, and the first threshold is raised to 50,000 allocations; the last job to end puts both
back (``gc.unfreeze``), however it ends. Cyclic garbage is still collected, a little later:
what was frozen once the job ends, what the job makes every 50,000 allocations. A heap someone
else froze first (a process that forks its workers) is left as they froze it.

One instance serves every job in the process, so a job ending never unfreezes under another.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager

YOUNG_THRESHOLD = 50_000


class _QuietCollector:
    """The running jobs' count, and what to put back when the last of them ends."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._running = 0
        self._thresholds = gc.get_threshold()
        self._froze = False

    @contextmanager
    def quiet(self) -> Iterator[None]:
        with self._lock:
            if self._running == 0:
                self._froze = gc.get_freeze_count() == 0
                if self._froze:
                    gc.freeze()
                self._thresholds = gc.get_threshold()
                young, *older = self._thresholds
                gc.set_threshold(max(young, YOUNG_THRESHOLD), *older)
            self._running += 1
        try:
            yield
        finally:
            with self._lock:
                self._running -= 1
                if self._running == 0:
                    gc.set_threshold(*self._thresholds)
                    if self._froze:
                        gc.unfreeze()


_COLLECTOR = _QuietCollector()


def quiet_collector() -> AbstractContextManager[None]:
    """Hold the collector off the heap while the block runs (see the module's doc)."""
    return _COLLECTOR.quiet()
