"""The fast canonical JSON of a certificate is byte for byte RFC 8785 (the ``rfc8785`` library)."""

from __future__ import annotations

from typing import Any

import rfc8785
from hypothesis import example, given
from hypothesis import strategies as st

from listwarden.crypto.erasure_certificates import canonical

_LEAVES = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**53) + 1, max_value=2**53 - 1)
    | st.text(max_size=20)
)
_DOCUMENTS = st.dictionaries(
    st.text(alphabet=st.characters(max_codepoint=127), max_size=12),
    st.recursive(
        _LEAVES,
        lambda inner: (
            st.lists(inner, max_size=4)
            | st.dictionaries(st.text(alphabet=st.characters(max_codepoint=127), max_size=8), inner)
        ),
        max_leaves=12,
    ),
    max_size=8,
)


@given(_DOCUMENTS)
@example({"b": 'line\nbreak \x01 \x7f \u2028 é "q" \\', "a": [1, True, None], "A": {"z": 0}})
def test_canonical_is_rfc_8785(document: dict[str, Any]) -> None:
    assert canonical(document) == bytes(rfc8785.dumps(document))


def test_what_the_fast_path_cannot_write_goes_through_the_library() -> None:
    for document in ({"x": 1.5}, {"é": 1}, {"big": 2**60}):
        try:
            expected = bytes(rfc8785.dumps(document))
        except rfc8785.CanonicalizationError:
            continue
        assert canonical(document) == expected
