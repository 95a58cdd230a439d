"""The collector held off a long job's heap: only while some job runs, and put back by the last."""

import gc

from listwarden.services.quiet_collector import YOUNG_THRESHOLD, quiet_collector


def test_the_heap_stays_frozen_until_the_last_of_two_overlapping_jobs_ends() -> None:
    before = gc.get_threshold()
    first, second = quiet_collector(), quiet_collector()
    first.__enter__()
    second.__enter__()
    first.__exit__(None, None, None)  # an import ends while a sweep still runs
    assert gc.get_freeze_count() > 0
    assert gc.get_threshold() == (max(before[0], YOUNG_THRESHOLD), *before[1:])
    second.__exit__(None, None, None)
    assert (gc.get_freeze_count(), gc.get_threshold()) == (0, before)
