"""End-to-end disclosure benchmark: 1,000 entries through the services, beside plain CSV.

One disclosure is timed from the request to the sealed package: the policy engine's decision
per entry, the agreement rules, the second IRU approval (more than 20 entries need it), the
decryption of only the agreed fields, the tagged JSON and CSV, age encryption and one logged
event per entry. The baseline, in the same run, writes the very same rows (taken back out of
the package) as plain CSV with the standard library, and nothing else.
"""

from __future__ import annotations

import csv
import io
import json
import random
import statistics
import tempfile
import time
import zipfile
from datetime import timedelta
from functools import partial
from pathlib import Path
from typing import Any

import pyrage
from pyrage import x25519

from listwarden.bench.sharing_pure import bench_package
from listwarden.bench.timing import progress, timed
from listwarden.demo.generator import create_authorised_list, create_demo_users
from listwarden.domain.vocabulary import Role
from listwarden.services import grants, sharing
from listwarden.services.disclosures import DisclosureAsk, approve_disclosure, request_disclosure
from listwarden.services.entries import NewEntry, add_entries
from listwarden.services.users import create_user
from listwarden.settings import Settings
from listwarden.setup import initialise

TARGET_S = 2.0
FIELDS = ["entry_id", "given_name", "family_name", "date_of_birth", "bcu", "band", "score"]
ASKED = [*FIELDS, "address"]  # the address is outside the agreement: removed, never read


def _world(home: Path, n: int, rng: random.Random) -> tuple[Any, dict[Role, Any], Any, list[str]]:
    from listwarden.bootstrap import open_register

    settings = Settings(home=home)
    initialise(settings)
    register = open_register(settings)
    uow = register.uow
    users = create_demo_users(register)
    iru2 = create_user(uow=uow, actor_id=None, name="Second IRU (bench)", role=Role.IRU)
    today = uow.today()
    grants.record_training(
        uow=uow,
        actor=None,
        user_id=iru2.id,
        course=uow.access.mandatory_course,
        completed_on=today,
        expires_on=today + timedelta(days=365),
    )
    list_id = create_authorised_list(
        register,
        owner=users[Role.IAO],
        dpo=users[Role.DPO],
        name="Bench Matrix",
        purposes=["gang_violence_reduction"],
        categories=["suspected", "convicted"],
        description="benchmark",
        notice="benchmark",
    )
    items = [
        NewEntry(
            given_name=f"Bench{i}",
            family_name=f"Person{rng.randrange(10**9)}",
            date_of_birth=today - timedelta(days=rng.randint(18 * 366, 40 * 365)),
            category=rng.choice(["suspected", "convicted"]),
            bcu="CE",
            address=f"{i} Synthetic Road",
            band=rng.choice(["red", "amber"]),
            score=rng.randrange(1, 60),
        )
        for i in range(n)
    ]
    entry_ids: list[str] = []
    for start in range(0, n, 500):
        entry_ids += add_entries(
            uow=uow,
            actor=users[Role.IAO],
            list_id=list_id,
            purpose="gang_violence_reduction",
            items=items[start : start + 500],
        )
    return register, users, iru2, entry_ids


def _parties(register: Any, users: dict[Role, Any], iru2: Any, key: str) -> tuple[str, str]:
    uow, iru = register.uow, users[Role.IRU]
    recipient = sharing.register_recipient(
        uow=uow,
        actor=iru,
        name="Bench Borough Housing",
        kind="statutory",
        statutory_function="local_authority_housing",
        notice_contact="ig@bench.example",
        age_public_key=key,
    )
    sharing.approve_recipient(uow=uow, actor=iru2, recipient_id=recipient)
    today = uow.today()
    agreement = sharing.draft_agreement(
        uow=uow,
        actor=users[Role.IAO],
        terms=sharing.NewAgreement(
            title="Bench DSA",
            parties=[recipient],
            purposes=["gang_violence_reduction"],
            lawful_basis="DPA 2018 s.35(2)(b)",
            categories=["suspected", "convicted"],
            bands=["red", "amber"],
            fields=FIELDS,
            recipient_retention_days=90,
            recipient_deletion="secure deletion",
            security_conditions="named officers only",
            valid_from=today,
            valid_until=today + timedelta(days=365),
            review_on=today + timedelta(days=180),
        ),
    )
    sharing.approve_agreement(uow=uow, actor=iru, agreement_id=agreement)
    return recipient, agreement


def _plain_csv(rows: list[dict[str, Any]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def bench_sharing(n: int = 1000, *, repeats: int = 3, show_progress: bool = True) -> dict[str, Any]:
    """Median end-to-end disclosure of ``n`` entries, and plain CSV of the same rows."""
    rng = random.Random(7)
    identity = x25519.Identity.generate()
    requested, approved, plain, sizes = [], [], [], []
    with (
        tempfile.TemporaryDirectory(prefix="lw-bench-share-") as tmp,
        progress(show_progress) as bar,
    ):
        task = bar.add_task("sharing: setting up", total=repeats + 1)
        register, users, iru2, entry_ids = _world(Path(tmp) / "home", n, rng)
        try:
            recipient, agreement = _parties(register, users, iru2, str(identity.to_public()))
            bar.update(task, advance=1, description="sharing: disclosing")
            ask = DisclosureAsk(
                recipient_id=recipient,
                agreement_id=agreement,
                purpose="gang_violence_reduction",
                entry_ids=entry_ids,
                fields=ASKED,
                justification="benchmark disclosure to housing enforcement",
                entry_justifications={e: f"tenancy enforcement case {e}" for e in entry_ids},
            )
            analyst, uow = users[Role.ANALYST], register.uow
            for _ in range(repeats):
                t0 = time.perf_counter()
                pending = request_disclosure(uow=uow, actor=analyst, ask=ask)
                t1 = time.perf_counter()
                done = approve_disclosure(uow=uow, actor=iru2, request_id=pending.request_id)
                t2 = time.perf_counter()
                if done.package is None or done.entries != n:
                    raise RuntimeError("the benchmark disclosure did not produce its package")
                requested.append(t1 - t0)
                approved.append(t2 - t1)
                sizes.append(len(done.package))
                archive = pyrage.decrypt(done.package, [identity])
                with zipfile.ZipFile(io.BytesIO(archive)) as opened:
                    rows: list[dict[str, Any]] = json.loads(opened.read("disclosure.json"))["rows"]
                plain.append(timed(partial(_plain_csv, rows)))
                bar.advance(task)
        finally:
            register.close()
    total = statistics.median(a + b for a, b in zip(requested, approved, strict=True))
    baseline = statistics.median(plain)
    return {
        "entries": n,
        "repeats": repeats,
        "disclosure_end_to_end_s": round(total, 4),
        "request_and_checks_s": round(statistics.median(requested), 4),
        "second_approval_package_and_log_s": round(statistics.median(approved), 4),
        "baseline_plain_csv_s": round(baseline, 5),
        "cost_ratio": round(total / baseline, 1),
        "package_bytes": statistics.median(sizes),
        "target_s": TARGET_S,
        "within_target": total < TARGET_S,
        "pure_path": bench_package(n),
    }
