"""``store.ids.new_id`` and ``new_ids`` make what ``uuid.uuid4`` makes: version 4, RFC variant,
canonical text."""

from __future__ import annotations

import uuid

import pytest

from listwarden.store.ids import new_id, new_ids


@pytest.mark.parametrize("make", [lambda n: [new_id() for _ in range(n)], new_ids])
def test_each_id_is_a_canonical_random_uuid(make) -> None:  # type: ignore[no-untyped-def]
    ids = make(5_000)
    assert len(ids) == 5_000
    assert len(set(ids)) == len(ids)
    for text in ids:
        parsed = uuid.UUID(text)
        assert (parsed.version, parsed.variant) == (4, uuid.RFC_4122)
        assert str(parsed) == text
    # Every variant digit occurs: the two free bits of the 17th digit are random too.
    assert {text[19] for text in ids} == set("89ab")


def test_no_ids_for_none_wanted() -> None:
    assert new_ids(0) == []


def test_many_ids_come_in_ascending_order() -> None:
    ids = new_ids(1_000)
    assert ids == sorted(ids)
    assert len(set(ids)) == len(ids)
