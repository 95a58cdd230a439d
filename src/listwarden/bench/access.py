"""Access benchmark: decision latency in-process, beside the same call with authorisation off.

Each timed call builds the request from the same facts a service would hold (user, entry, list,
purpose) and asks for a decision; the baseline makes the same call on an authoriser that allows
everything without looking. All are timed in alternating blocks, so drift affects them alike.
``decide`` is what the services call: it gives again a decision already made for the same facts
and kind of entry (fifty officers here, so nearly every call); ``evaluate`` asks Cedar each time,
and is reported beside it.
"""

from __future__ import annotations

import json
import platform
import time
from importlib import metadata
from typing import Any

from listwarden.bench.timing import percentile
from listwarden.domain.vocabulary import Category, ListStatus, Purpose, Role
from listwarden.policy.engine import (
    AccessAction,
    Context,
    Decision,
    EntryResource,
    ListResource,
    PolicyEngine,
    Principal,
    Resource,
)

TARGET_P99_US = 500.0
PAGE = 50
"""Entries on one page of search results, decided together by ``decide_many``."""
_BLOCK = 2 * PAGE


class UnsafeAllowEverything:
    """Authorisation off: allows every request unseen. For benchmark baselines only."""

    def decide(
        self,
        principal: Principal,
        action: AccessAction,
        resource: Resource,
        context: Context | None = None,
    ) -> Decision:
        return Decision(True, (), ())


def _request(n: int) -> tuple[Principal, AccessAction, EntryResource, Context]:
    """A realistic consultation: an officer, an entry in their BCU, for enforcement."""
    officer = Principal(
        id=f"u-{n % 50}",
        role=Role.OFFICER,
        bcus=frozenset({"AS", "CE"}),
        force_wide=False,
        active=True,
        mandatory_training_current=True,
        training_current=True,
        grant_current=True,
    )
    register_list = ListResource("l-matrix", ListStatus.AUTHORISED, owner_id="u-owner")
    entry = EntryResource(f"e-{n}", register_list, "AS", Category.SUSPECTED)
    return officer, AccessAction.ENTRY_CONSULT, entry, Context(Purpose.GANG_VIOLENCE_REDUCTION)


def _refused(n: int) -> tuple[Principal, AccessAction, EntryResource, Context]:
    """The same consultation of a victim in another BCU: three forbids refuse it."""
    officer, action, entry, context = _request(n)
    outside = EntryResource(entry.id, entry.list, "NW", Category.VICTIM)
    return officer, action, outside, context


def _figures(wall: list[float], cpu: list[float]) -> dict[str, float]:
    return {
        "p50_us": round(percentile(wall, 50) * 1e6, 1),
        "p99_us": round(percentile(wall, 99) * 1e6, 1),
        "cpu_p50_us": round(percentile(cpu, 50) * 1e6, 1),
        "cpu_p99_us": round(percentile(cpu, 99) * 1e6, 1),
    }


def bench_decisions(n: int = 20_000) -> dict[str, Any]:
    """p50 and p99 of one decision, allowed and refused, beside authorisation off, in one run.

    Also the cost per entry when a page of search results is decided in one batch.
    """
    started = time.perf_counter()
    engine = PolicyEngine.load()
    load_s = time.perf_counter() - started
    off = UnsafeAllowEverything()
    allowed = [_request(i) for i in range(n)]
    refused = [_refused(i) for i in range(n)]
    if not engine.decide(*allowed[0]).allowed or engine.decide(*refused[0]).allowed:
        raise RuntimeError("the benchmark requests are not decided as expected")
    for request in allowed[:_BLOCK]:  # warm up
        engine.decide(*request)
    # Wall-clock time is what a caller waits; the thread's CPU time leaves out the moments the
    # process was not scheduled, which on a shared machine is most of the tail.
    names = ("allowed", "refused", "allowed_uncached", "refused_uncached", "off", "page")
    wall: dict[str, list[float]] = {name: [] for name in names}
    cpu: dict[str, list[float]] = {name: [] for name in wall}
    clock, cpu_clock = time.perf_counter, time.thread_time
    for block in range(0, n, _BLOCK):
        for name, deciding, requests in (
            ("allowed", engine.decide, allowed),
            ("refused", engine.decide, refused),
            ("allowed_uncached", engine.evaluate, allowed),
            ("refused_uncached", engine.evaluate, refused),
            ("off", off.decide, allowed),
        ):
            for request in requests[block : block + _BLOCK]:
                t0, c0 = clock(), cpu_clock()
                deciding(*request)
                cpu[name].append(cpu_clock() - c0)
                wall[name].append(clock() - t0)
        for start in range(block, block + _BLOCK - PAGE + 1, PAGE):
            officer, action, _, context = allowed[start]
            page = [request[2] for request in allowed[start : start + PAGE]]
            t0, c0 = clock(), cpu_clock()
            engine.decide_many(officer, action, page, context)
            cpu["page"].append((cpu_clock() - c0) / PAGE)
            wall["page"].append((clock() - t0) / PAGE)
    figures = {name: _figures(wall[name], cpu[name]) for name in wall}
    worst_p99 = max(figures["allowed"]["p99_us"], figures["refused"]["p99_us"])
    return {
        "benchmark": "access.decisions",
        "decisions": n,
        "policies": len(engine.catalogue),
        "load_ms": round(load_s * 1000, 1),
        "decide_allowed": figures["allowed"],
        "decide_refused": figures["refused"],
        "authorisation_off": figures["off"],
        # The same requests asked of Cedar every time, without the engine's remembered decisions.
        "evaluate_allowed_uncached": figures["allowed_uncached"],
        "evaluate_refused_uncached": figures["refused_uncached"],
        "decide_many_per_entry": {"page": PAGE, **figures["page"]},
        "target_p99_us": TARGET_P99_US,
        "meets_target": worst_p99 < TARGET_P99_US,
        "evaluate_uncached_meets_target": max(
            figures["allowed_uncached"]["p99_us"], figures["refused_uncached"]["p99_us"]
        )
        < TARGET_P99_US,
        "cedarpy": metadata.version("cedarpy"),
        "python": platform.python_version(),
    }


if __name__ == "__main__":
    print(json.dumps(bench_decisions(), indent=2))
