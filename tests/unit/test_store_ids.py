"""``store.ids.new_id`` makes what ``uuid.uuid4`` makes: version 4, RFC variant, canonical text."""

from __future__ import annotations

import uuid

from listwarden.store.ids import new_id


def test_each_id_is_a_canonical_random_uuid() -> None:
    ids = [new_id() for _ in range(5_000)]
    assert len(set(ids)) == len(ids)
    for text in ids:
        parsed = uuid.UUID(text)
        assert (parsed.version, parsed.variant) == (4, uuid.RFC_4122)
        assert str(parsed) == text
    # Every variant digit occurs: the two free bits of the 17th digit are random too.
    assert {text[19] for text in ids} == set("89ab")
