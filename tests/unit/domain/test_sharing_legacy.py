"""Imported entries not yet reviewed are never disclosed, under any agreement (issue: import)."""

from __future__ import annotations

from tests.unit.domain.test_sharing import codes, entry


def test_a_legacy_unreviewed_entry_is_never_disclosed() -> None:
    facts = [entry(1), entry(2, legacy_unreviewed=True)]
    assert codes(entries=facts) == ["legacy-unreviewed"]
    assert codes(entries=[entry(1), entry(2)]) == []
