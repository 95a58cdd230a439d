"""Unambiguous byte encoding of string tuples, for associated data and keyed-hash inputs.

Each part is written as a 4-byte big-endian length followed by its UTF-8 bytes, so no choice of
part values can make two different tuples encode to the same bytes (``("ab", "c")`` and
``("a", "bc")`` differ), which plain joining with a separator cannot promise.
"""

from __future__ import annotations

import struct
from functools import lru_cache

_LENGTH = struct.Struct(">I")


def frame(*parts: str) -> bytes:
    """The length-prefixed encoding of ``parts``, in order."""
    out = bytearray()
    for part in parts:
        data = part.encode("utf-8")
        out += _LENGTH.pack(len(data))
        out += data
    return bytes(out)


@lru_cache(maxsize=4096)
def frame_name(name: str) -> bytes:
    """``frame(name)``, remembered: for the few table, field and kind names used over and over."""
    return frame(name)


def frame_value(value: str) -> bytes:
    """``frame(value)`` for one part, without the loop (the hot path of bulk decryption)."""
    data = value.encode("utf-8")
    return _LENGTH.pack(len(data)) + data
