"""Exporting the access log for the Information Commissioner (DPA 2018 s.62(5)), as JSON lines.

The export holds everything needed to check the log without trusting this system: the log's
verifier key, every checkpoint with its cosignatures, consistency proofs between successive
checkpoints, and each event with its canonical leaf (so the reader can hash it) and its sealed
justification's digest. The justifications themselves stay sealed: an export is not the place
for free text in clear. Given a subject, only that person's events are exported, each with its
inclusion proof in the latest checkpoint. Records are produced one at a time, so exporting a log
of any size holds one page of it in memory.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from listwarden.auditlog.heads import StoredCheckpoint, all_checkpoints, all_cosignatures
from listwarden.auditlog.leaf import LEAF_FIELDS, LEAF_FORMATS, leaf_bytes, leaf_values
from listwarden.auditlog.proofs import consistency, inclusion
from listwarden.auditlog.rows import event_columns, reading, stream
from listwarden.domain.access import Actor
from listwarden.policy.engine import AccessAction
from listwarden.services.access import require_on_register
from listwarden.services.audit import b64
from listwarden.services.audit_config import engine_of, event_log
from listwarden.services.audit_sequence import sign_checkpoint
from listwarden.services.unit_of_work import UnitOfWork

EXPORT_FORMAT = "listwarden.log-export/1"


def _checkpoint_records(conn: Any, latest: StoredCheckpoint) -> Iterator[dict[str, Any]]:
    cosignatures: dict[int, list[dict[str, Any]]] = {}
    for c in all_cosignatures(conn):
        cosignatures.setdefault(c.checkpoint.id, []).append(
            {"witness": c.witness_name, "line": c.line, "cosigned_at": c.cosigned_at.isoformat()}
        )
    previous: StoredCheckpoint | None = None
    for stored in all_checkpoints(conn):
        if stored.size > latest.size:
            continue
        yield {
            "type": "checkpoint",
            "id": stored.id,
            "tree_size": stored.size,
            "root": b64(stored.root),
            "note": stored.note,
            "created_at": stored.created_at.isoformat(),
            "cosignatures": cosignatures.get(stored.id, []),
        }
        if previous is not None and 0 < previous.size < stored.size:
            yield {
                "type": "consistency",
                "from": previous.size,
                "to": stored.size,
                "proof": [b64(p) for p in consistency(conn, previous.size, stored.size)],
            }
        if previous is None or stored.size > previous.size:
            previous = stored


def _event_record(row: tuple[Any, ...]) -> dict[str, Any]:
    index, stored = row[0], bytes(row[1])
    event = row[2:]
    values = leaf_values(event)
    record = dict(zip(LEAF_FIELDS, values, strict=True))
    record["justification_ct"] = None if event[15] is None else b64(bytes(event[15]))
    return {
        "type": "event",
        "leaf_index": index,
        "leaf_hash": b64(stored),
        "leaf": leaf_bytes(values).decode("utf-8"),
        "event": record,
    }


def export_log(
    *, uow: UnitOfWork, actor: Actor | None = None, subject_id: str | None = None
) -> Iterator[dict[str, Any]]:
    """The export's records in order: header, checkpoints and proofs, then events."""
    if actor is not None:
        require_on_register(uow=uow, actor=actor, action=AccessAction.LOG_READ)
    latest = sign_checkpoint(uow=uow)
    signer = event_log(uow).signer()
    yield {
        "type": "header",
        "format": EXPORT_FORMAT,
        "origin": signer.origin,
        "vkey": signer.vkey(),
        "tree_size": latest.size,
        "root": b64(latest.root),
        "exported_at": uow.now().isoformat(),
        "subject_id": subject_id,
        "leaf_formats": {str(v): f for v, f in LEAF_FORMATS.items()},
        "leaf_fields": list(LEAF_FIELDS),
        "leaf_hash": "SHA-256(0x00 || leaf), RFC 6962; the leaf is RFC 8785 JSON",
    }
    with reading(engine_of(uow)) as conn:
        yield from _checkpoint_records(conn, latest)
        where = "l.leaf_index < :size"
        params: dict[str, Any] = {"size": latest.size}
        if subject_id is not None:
            where += " AND e.subject_id = :subject"
            params["subject"] = subject_id
        sql = (
            f"SELECT l.leaf_index, l.leaf_hash, {event_columns(conn)} FROM log_leaves l "
            f"JOIN events e ON e.id = l.event_id WHERE {where} ORDER BY l.leaf_index"
        )
        for row in stream(conn, sql, params):
            record = _event_record(row)
            if subject_id is not None:
                record["inclusion_proof"] = {
                    "tree_size": latest.size,
                    "proof": [b64(p) for p in inclusion(conn, row[0], latest.size)],
                }
            yield record
