"""Crypto benchmark: adding and consulting entries with encryption on, beside the same in plaintext.

Two registers are set up alike on SQLite. One keeps the real cipher: AES-256-GCM under each
person's own data key, made and wrapped by the key file's KEK as people are added and fetched
from the key store and unwrapped when they are read. The other is given ``UnsafePlaintextCipher``
(no encryption at all), with everything else the same: rules, blind indexes, events. Both add the
same people in batches of 500, alternating batch by batch so that the machine's drift falls on
both alike; then each consults the same number of *distinct* people, alternating one by one, with
the key cache emptied first, so every encrypted consultation fetches and unwraps a key. The bulk
decryption figure of :mod:`listwarden.crypto.bench_crypto` completes the suite.
"""

from __future__ import annotations

import platform
import random
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select

from listwarden.bench.timing import percentile, progress
from listwarden.bootstrap import Register, open_register
from listwarden.crypto.bench_crypto import bench_bulk_decrypt
from listwarden.crypto.cipher import UnsafePlaintextCipher
from listwarden.crypto.keystore import KeyStore
from listwarden.demo.generator import create_authorised_list, create_demo_users
from listwarden.domain.access import Actor
from listwarden.domain.vocabulary import Role
from listwarden.services.consult import consult_entry
from listwarden.services.entries import NewEntry, add_entries
from listwarden.settings import Settings
from listwarden.setup import initialise
from listwarden.store.tables import Entry

BATCH = 500
TARGET_OVERHEAD = 0.25
WHY = {"purpose": "gang_violence_reduction", "justification": "benchmark consultation"}


def _register(home: Path, *, plaintext: bool) -> tuple[Register, dict[Role, Actor], str]:
    settings = Settings(home=home)
    initialise(settings)
    register = open_register(settings)
    if plaintext:
        # Before anything is sealed: the list's equality tally is written when it is created.
        register.uow.cipher = _PlaintextFields(register.keystore)
    users = create_demo_users(register)
    list_id = create_authorised_list(
        register,
        owner=users[Role.IAO],
        dpo=users[Role.DPO],
        name="Bench list",
        purposes=["gang_violence_reduction"],
        categories=["suspected", "convicted"],
        description="benchmark",
        notice="benchmark",
    )
    return register, users, list_id


def _people(rng: random.Random, n: int, today: date) -> list[NewEntry]:
    return [
        NewEntry(
            given_name=f"Bench{i}",
            family_name=f"Person{rng.randrange(10**9)}",
            date_of_birth=today - timedelta(days=rng.randint(18 * 366, 40 * 365)),
            category="suspected",
            bcu="CE",
            nicknames=(f"Nick{i}",),
            address=f"{i} Benchmark Road",
            identity_code="IC1",
            self_defined_ethnicity="white_british",
        )
        for i in range(n)
    ]


class _Side:
    """One register of the pair, with the time it has spent on each kind of work."""

    def __init__(self, home: Path, *, plaintext: bool = False) -> None:
        self.register, self.users, self.list_id = _register(home, plaintext=plaintext)
        self.add_s = 0.0
        self.consult_ms: list[float] = []

    def add(self, batch: list[NewEntry]) -> None:
        started = time.perf_counter()
        add_entries(
            uow=self.register.uow,
            actor=self.users[Role.IAO],
            list_id=self.list_id,
            purpose="gang_violence_reduction",
            items=batch,
        )
        self.add_s += time.perf_counter() - started

    def entries(self) -> list[str]:
        with self.register.uow.read_only() as session:
            query = select(Entry.id).where(Entry.list_id == self.list_id).order_by(Entry.id)
            return list(session.scalars(query))

    def consult(self, entry_id: str) -> None:
        started = time.perf_counter()
        consult_entry(
            uow=self.register.uow, actor=self.users[Role.OFFICER], entry_id=entry_id, **WHY
        )
        self.consult_ms.append((time.perf_counter() - started) * 1000)


class _PlaintextFields(UnsafePlaintextCipher):
    """Personal fields in clear, as the baseline; the key store stays for what is no field.

    The access log seals justifications under its period keys on both sides alike, and finds
    the key store through the cipher, so the baseline keeps it reachable.
    """

    def __init__(self, keystore: KeyStore) -> None:
        self.keystore = keystore


def _overhead(encrypted: float, plain: float) -> float:
    return round(encrypted / plain - 1, 3)


def bench_crypto(
    *,
    entries: int = 20_000,
    consults: int = 2_000,
    bulk_subjects: int = 20_000,
    seed: int = 11,
    show_progress: bool = True,
) -> dict[str, Any]:
    """Encryption's cost on adding and consulting, and bulk decryption; see the module doc."""
    rng = random.Random(seed)
    with tempfile.TemporaryDirectory(prefix="lw-bench-crypto-") as tmp:
        encrypted = _Side(Path(tmp) / "encrypted")
        plain = _Side(Path(tmp) / "plaintext", plaintext=True)
        try:
            people = _people(rng, entries, encrypted.register.uow.today())
            with progress(show_progress) as bar:
                task = bar.add_task("crypto: adding entries", total=2 * entries)
                for start in range(0, entries, BATCH):
                    batch = people[start : start + BATCH]
                    encrypted.add(batch)
                    plain.add(batch)
                    bar.advance(task, 2 * len(batch))
                picks = sorted(rng.sample(range(entries), min(consults, entries)))
                pairs = list(zip(encrypted.entries(), plain.entries(), strict=True))
                encrypted.register.keystore.clear_cache()
                task = bar.add_task("crypto: consulting", total=len(picks))
                for index in picks:
                    encrypted.consult(pairs[index][0])
                    plain.consult(pairs[index][1])
                    bar.advance(task)
        finally:
            encrypted.register.close()
            plain.register.close()
    add_overhead = _overhead(encrypted.add_s, plain.add_s)
    p50 = percentile(encrypted.consult_ms, 50), percentile(plain.consult_ms, 50)
    p99 = percentile(encrypted.consult_ms, 99), percentile(plain.consult_ms, 99)
    bulk = bench_bulk_decrypt(n_subjects=bulk_subjects)
    return {
        "entries": entries,
        "consults_of_distinct_people": len(picks),
        "add_entries_per_s": round(entries / encrypted.add_s),
        "add_entries_per_s_plaintext": round(entries / plain.add_s),
        "add_overhead": add_overhead,
        "consult_p50_ms": round(p50[0], 3),
        "consult_p50_ms_plaintext": round(p50[1], 3),
        "consult_p99_ms": round(p99[0], 3),
        "consult_p99_ms_plaintext": round(p99[1], 3),
        "consult_overhead_p50": _overhead(*p50),
        "target_overhead": TARGET_OVERHEAD,
        "meets_overhead_target": max(add_overhead, _overhead(*p50)) <= TARGET_OVERHEAD,
        "bulk_decrypt_fields_per_s": bulk["encrypted"]["fields_per_s"],
        "bulk_decrypt_fields_per_s_plaintext": bulk["plaintext_baseline"]["fields_per_s"],
        "bulk_decrypt_subjects": bulk["n_subjects"],
        "bulk_target_fields_per_s": bulk["target_fields_per_s"],
        "meets_bulk_target": bulk["meets_target"],
        "python": platform.python_version(),
    }
