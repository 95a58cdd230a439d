"""Benchmark of bulk field decryption, measured beside an unencrypted baseline in the same run.

The encrypted figure includes everything a bulk read pays: one bulk query for the wrapped keys of
every distinct subject, unwrapping each under the key file's KEK, then opening each field. The
key cache is emptied before every timed run, so no run profits from an earlier one.
"""

from __future__ import annotations

import json
import platform
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from listwarden.crypto.cipher import (
    SealedField,
    SubjectCipher,
    UnsafePlaintextCipher,
)
from listwarden.crypto.envelope import Envelope, field_aad
from listwarden.crypto.file_provider import FileKeyProvider
from listwarden.crypto.keystore import KeyStore

TARGET_FIELDS_PER_S = 200_000
_FIELDS = ("given_name", "family_name", "date_of_birth", "address", "nickname", "phone", "notes")
_TABLE = "subjects"


def _synthetic_value(subject: int, field: str) -> str:
    return f"{field}-{subject:07d}-synthetic"


def _best_of(repeats: int, prepare: Callable[[], None], run: Callable[[], object]) -> float:
    best = float("inf")
    for _ in range(repeats):
        prepare()
        started = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - started)
    return best


def _rate(count: int, seconds: float) -> dict[str, float]:
    return {"seconds": round(seconds, 4), "fields_per_s": round(count / seconds)}


def bench_bulk_decrypt(
    n_subjects: int = 20_000, fields_per_subject: int = 5, *, repeats: int = 3
) -> dict[str, Any]:
    """Fields opened per second by ``SubjectCipher.open_many`` across distinct subjects."""
    fields = [
        _FIELDS[i % len(_FIELDS)] + ("" if i < len(_FIELDS) else f"_{i}")
        for i in range(fields_per_subject)
    ]
    subjects = [f"subject-{i:07d}" for i in range(n_subjects)]
    with tempfile.TemporaryDirectory(prefix="listwarden-bench-") as tmp:
        provider = FileKeyProvider.create(Path(tmp) / "kek.key")
        store = KeyStore(f"sqlite:///{tmp}/keystore.sqlite", provider, cache_size=n_subjects)
        try:
            keys = store.create_data_keys(subjects)
            encrypted: list[SealedField] = []
            plain: list[SealedField] = []
            baseline: SubjectCipher | UnsafePlaintextCipher = UnsafePlaintextCipher()
            for n, subject in enumerate(subjects):
                envelope = Envelope(keys[subject])
                for field in fields:
                    value = _synthetic_value(n, field)
                    blob = envelope.seal(value.encode("utf-8"), field_aad(_TABLE, subject, field))
                    encrypted.append((subject, _TABLE, subject, field, blob))
                    plain.append(
                        (
                            subject,
                            _TABLE,
                            subject,
                            field,
                            baseline.seal(subject, _TABLE, subject, field, value),
                        )
                    )
            cipher = SubjectCipher(store)
            sample = cipher.open_many(encrypted[:fields_per_subject])[0]
            if sample != _synthetic_value(0, fields[0]):
                raise RuntimeError("benchmark data did not round-trip")
            enc_s = _best_of(repeats, store.clear_cache, lambda: cipher.open_many(encrypted))
            keys_s = _best_of(repeats, store.clear_cache, lambda: store.data_keys(subjects))
            plain_s = _best_of(repeats, lambda: None, lambda: baseline.open_many(plain))
        finally:
            store.close()
    count = len(encrypted)
    enc = _rate(count, enc_s)
    return {
        "benchmark": "crypto.bulk_decrypt",
        "n_subjects": n_subjects,
        "fields_per_subject": fields_per_subject,
        "fields": count,
        "repeats": repeats,
        "encrypted": {
            **enc,
            "key_fetch_and_unwrap_seconds": round(keys_s, 4),
            "key_provider": "file",
            "keystore": "sqlite",
        },
        "plaintext_baseline": _rate(count, plain_s),
        "slowdown_vs_plaintext": round(enc_s / plain_s, 1),
        "target_fields_per_s": TARGET_FIELDS_PER_S,
        "meets_target": enc["fields_per_s"] >= TARGET_FIELDS_PER_S,
        "python": platform.python_version(),
    }


if __name__ == "__main__":
    print(json.dumps(bench_bulk_decrypt(), indent=2))
