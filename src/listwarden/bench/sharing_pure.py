"""Benchmark of a disclosure's pure path (rules, redaction, package, age), beside plain csv."""

from __future__ import annotations

import csv
import io
import os
import platform
import random
import statistics
import time
from datetime import date, timedelta
from typing import Any

from pyrage import x25519

from listwarden.bench.timing import timed
from listwarden.domain.agreements import (
    Agreement,
    AgreementStatus,
    Approval,
    Recipient,
    RecipientKind,
    StatutoryFunction,
)
from listwarden.domain.grading import parse_grading
from listwarden.domain.sharing import DisclosureRequest, EntryFacts, evaluate_disclosure
from listwarden.domain.vocabulary import Band, Category, Purpose, Role
from listwarden.export.package import Disclosure, assemble_package, seal_package

TARGET_S = 2.0
TODAY = date(2026, 6, 1)
_ASKED = ["entry_id", "given_name", "family_name", "date_of_birth", "bcu", "band", "score"]
_ASKED += ["intelligence_text", "intelligence_grading", "address"]  # address is redacted


def _parties(public_key: str) -> tuple[Recipient, Agreement]:
    approval = Approval("iru-1", Role.IRU, TODAY - timedelta(days=10))
    recipient = Recipient(
        "rcp-bench",
        "Bench Borough Housing",
        RecipientKind.STATUTORY,
        "dpo@bench.example",
        public_key,
        statutory_function=StatutoryFunction.LOCAL_AUTHORITY_HOUSING,
        approval=approval,
    )
    agreement = Agreement(
        id="dsa-bench",
        parties=frozenset({recipient.id}),
        purposes=frozenset({Purpose.GANG_VIOLENCE_REDUCTION}),
        lawful_basis="DPA 2018 s.35(2)(b)",
        categories=frozenset({Category.SUSPECTED, Category.CONVICTED}),
        bands=frozenset(Band),
        fields=frozenset(_ASKED[:-1]),
        recipient_retention_days=90,
        recipient_deletion="secure deletion",
        security_conditions="named officers only",
        valid_from=TODAY - timedelta(days=30),
        valid_until=TODAY + timedelta(days=300),
        review_on=TODAY + timedelta(days=100),
        drafted_by="iao-1",
        zero_score=True,
        honours_handling_conditions=True,
        status=AgreementStatus.APPROVED,
        approval=approval,
    )
    return recipient, agreement


def _synthetic(rng: random.Random, n: int) -> tuple[list[EntryFacts], list[dict[str, Any]]]:
    graded = (parse_grading("2B C", "not to be shared onward"), parse_grading("1A P"))
    facts, rows = [], []
    for i in range(n):
        band = rng.choice(list(Band))
        category = rng.choice([Category.SUSPECTED, Category.CONVICTED])
        score = float(rng.randrange(0, 60))
        facts.append(
            EntryFacts(f"e{i:06d}", category, band, score, False, graded[: rng.randrange(3)])
        )
        rows.append(
            {
                "entry_id": f"e{i:06d}",
                "given_name": f"Given{rng.randrange(10**6)}",
                "family_name": f"Family{rng.randrange(10**6)}",
                "date_of_birth": date(1990, 1, 1) + timedelta(days=rng.randrange(8000)),
                "address": f"{i} Synthetic Road",
                "bcu": rng.choice(["CE", "NE", "SW"]),
                "band": band.value,
                "score": facts[-1].score,
                "intelligence_text": "synthetic intelligence text " * 4,
                "intelligence_grading": "2B C",
            }
        )
    return facts, rows


def bench_package(n: int = 1000, *, repeats: int = 5, seed: int = 7) -> dict[str, Any]:
    """Time evaluate + redact + package + seal of ``n`` entries, and csv of the same rows."""
    rng = random.Random(seed)
    identity = x25519.Identity.generate()
    recipient, agreement = _parties(str(identity.to_public()))
    facts, rows = _synthetic(rng, n)
    ids = [f.entry_id for f in facts]
    request = DisclosureRequest(
        requested_by="officer-1",
        recipient_id=recipient.id,
        agreement_id=agreement.id,
        purpose=Purpose.GANG_VIOLENCE_REDUCTION.value,
        entry_ids=ids,
        fields=_ASKED,
        justification="benchmark disclosure",
        entry_justifications={i: f"necessity for {i}" for i in ids},
        second_approval=Approval("iru-2", Role.IRU, TODAY),
    )
    disclosure = Disclosure(
        "disc-bench", "LW-D-BENCH", TODAY, request.purpose, recipient, agreement
    )
    master = os.urandom(32)
    phases: dict[str, list[float]] = {"evaluate": [], "assemble": [], "seal": [], "plain_csv": []}
    size = 0
    for _ in range(repeats):
        started = time.perf_counter()
        decision = evaluate_disclosure(request, agreement, recipient, facts, TODAY)
        evaluated = time.perf_counter()
        package = assemble_package(disclosure, decision, rows, master_key=master)
        assembled = time.perf_counter()
        sealed = seal_package(package, recipient)
        done = time.perf_counter()
        phases["evaluate"].append(evaluated - started)
        phases["assemble"].append(assembled - evaluated)
        phases["seal"].append(done - assembled)
        phases["plain_csv"].append(timed(lambda: _plain_csv(rows)))
        size = len(sealed.ciphertext)
    median = {name: statistics.median(times) for name, times in phases.items()}
    total = median["evaluate"] + median["assemble"] + median["seal"]
    return {
        "entries": n,
        "repeats": repeats,
        "disclosure_s": round(total, 4),
        "evaluate_s": round(median["evaluate"], 4),
        "assemble_s": round(median["assemble"], 4),
        "seal_s": round(median["seal"], 4),
        "baseline_plain_csv_s": round(median["plain_csv"], 4),
        "cost_ratio": round(total / median["plain_csv"], 1),
        "package_bytes": size,
        "target_s": TARGET_S,
        "within_target": total < TARGET_S,
        "python": platform.python_version(),
    }


def _plain_csv(rows: list[dict[str, Any]]) -> str:
    """The baseline: the same rows, every column, written with the csv module and nothing else."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()
