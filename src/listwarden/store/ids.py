"""Row identifiers: random (version 4) UUIDs as the text the tables store.

``new_id()`` formats 16 bytes from the operating system's CSPRNG with the version and variant
bits set, as ``str(uuid.uuid4())`` does, at under half its cost: a person collected makes five
(entry, subject, monitoring record, intelligence items), so on an import it shows.
"""

from __future__ import annotations

import os

_VARIANT = "89ab"  # the RFC 9562 variant: the top two bits of the 17th hex digit are 10


def new_id() -> str:
    """A fresh random UUID, lower-case and hyphenated."""
    h = os.urandom(16).hex()
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{_VARIANT[int(h[16], 16) & 3]}{h[17:20]}-{h[20:]}"


def new_ids(n: int) -> list[str]:
    """``n`` fresh random UUIDs as :func:`new_id` makes them, from one call to the CSPRNG, in
    ascending order: a batch whose rows take them in turn (an import's entries, their subjects,
    records and items) goes into each id index in order, touching each index page once, where
    random ids land on a random page a row. The order says no more than the order rows were
    written in, which the tables' row numbers and the access log keep anyway."""
    pool = os.urandom(16 * n).hex()
    out = []
    for start in range(0, 32 * n, 32):
        h = pool[start : start + 32]
        out.append(
            f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{_VARIANT[int(h[16], 16) & 3]}{h[17:20]}-{h[20:]}"
        )
    out.sort()
    return out
