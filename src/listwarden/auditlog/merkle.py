"""RFC 6962 / RFC 9162 Merkle tree hashing for the access log: frontier, proofs, verification.

The log never rebuilds its tree. A :class:`CompactRange` keeps only the roots of the perfect
subtrees that cover the leaves so far (one per set bit of the size), so an append costs one leaf
push plus, on average, one node hash, and the root is a fold of at most 64 hashes. Every perfect
subtree an append completes is handed back so that a store can persist it; proofs are then built
from those persisted nodes alone, through a ``node(level, index)`` callable, without ever loading
the leaves.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Iterable, Sequence

from listwarden.domain.errors import InvalidInput, LogIntegrityError

HASH_SIZE = 32
"""Every hash in the tree is a SHA-256 digest."""

LEAF_PREFIX = b"\x00"
NODE_PREFIX = b"\x01"

EMPTY_ROOT = hashlib.sha256(b"").digest()
"""The root of the empty tree: SHA-256 of nothing (RFC 6962 section 2.1)."""

Node = tuple[int, int, bytes]
"""A perfect subtree (level, index, hash): leaves [index * 2**level, (index + 1) * 2**level)."""

NodeLookup = Callable[[int, int], bytes]
"""Returns the hash of the perfect subtree at (level, index), as persisted from appends."""

# Hashing a node starts from a SHA-256 state that has already absorbed the 0x01 prefix: copying
# that state is measurably cheaper than concatenating three byte strings on every append.
_NODE_STATE = hashlib.sha256(NODE_PREFIX)
_sha256 = hashlib.sha256
_STATE_SIZE_BYTES = 8


def leaf_hash(data: bytes) -> bytes:
    """Hash a leaf's bytes; the 0x00 prefix keeps a leaf from passing for an interior node."""
    return _sha256(LEAF_PREFIX + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """Hash two child hashes into their parent (0x01 prefix, RFC 6962 section 2.1)."""
    state = _NODE_STATE.copy()
    state.update(left)
    state.update(right)
    return state.digest()


def _split(width: int) -> int:
    """The largest power of two strictly below ``width`` (``width`` >= 2): RFC 6962's ``k``."""
    return 1 << ((width - 1).bit_length() - 1)


def _tree(size: int) -> str:
    """Name a tree by its size in plain words, for error messages."""
    return "a tree of 1 leaf" if size == 1 else f"a tree of {size} leaves"


def root_from_leaf_hashes(leaf_hashes: Sequence[bytes]) -> bytes:
    """The Merkle tree hash of ``leaf_hashes`` by RFC 6962's recursive definition.

    A slow reference, kept deliberately literal so that tests can check the fast paths against it.
    """

    def mth(start: int, end: int) -> bytes:
        width = end - start
        if width == 1:
            return leaf_hashes[start]
        k = _split(width)
        return node_hash(mth(start, start + k), mth(start + k, end))

    if not leaf_hashes:
        return EMPTY_ROOT
    return mth(0, len(leaf_hashes))


class CompactRange:
    """The frontier of a tree of ``size`` leaves: the roots of its perfect subtrees, left to right.

    ``hashes[i]`` is the root of the subtree for the i-th set bit of ``size``, most significant
    first, so the state is at most 64 hashes whatever the size of the log.
    """

    __slots__ = ("_hashes", "_size")

    def __init__(self, size: int = 0, hashes: Iterable[bytes] = ()) -> None:
        stored = list(hashes)
        if size < 0:
            raise LogIntegrityError(f"a tree cannot have {size} leaves")
        if len(stored) != size.bit_count():
            raise LogIntegrityError(
                f"a tree of {size} leaves has {size.bit_count()} frontier hashes, not {len(stored)}"
            )
        if any(len(h) != HASH_SIZE for h in stored):
            raise LogIntegrityError("a frontier hash is not 32 bytes long")
        self._size = size
        self._hashes = stored

    @property
    def size(self) -> int:
        """The number of leaves appended so far."""
        return self._size

    @property
    def hashes(self) -> tuple[bytes, ...]:
        """The frontier, largest subtree first (a copy: the range itself stays private)."""
        return tuple(self._hashes)

    def append(self, leaf: bytes) -> list[Node]:
        """Add one leaf hash and return every perfect subtree it completes, smallest first.

        The leaf itself comes first as (0, index, leaf); each trailing set bit of the old size
        then merges one frontier hash with the new subtree. Nothing else is allocated.
        """
        if len(leaf) != HASH_SIZE:
            raise InvalidInput("a leaf hash must be 32 bytes long")
        size = self._size
        hashes = self._hashes
        completed = [(0, size, leaf)]
        level = 0
        index = size
        current = leaf
        while size & 1:
            state = _NODE_STATE.copy()
            state.update(hashes.pop())
            state.update(current)
            current = state.digest()
            size >>= 1
            index >>= 1
            level += 1
            completed.append((level, index, current))
        hashes.append(current)
        self._size += 1
        return completed

    def push(self, leaf: bytes) -> None:
        """Append one leaf hash, keeping no completed nodes: verification's hot path.

        The caller vouches that ``leaf`` is a 32-byte hash it computed itself.
        """
        size = self._size
        hashes = self._hashes
        current = leaf
        while size & 1:
            state = _NODE_STATE.copy()
            state.update(hashes.pop())
            state.update(current)
            current = state.digest()
            size >>= 1
        hashes.append(current)
        self._size += 1

    def extend(self, leaves: Iterable[bytes]) -> list[Node]:
        """Append many leaf hashes at once, returning all the nodes they complete, in order."""
        completed: list[Node] = []
        add = completed.extend
        append = self.append
        for leaf in leaves:
            add(append(leaf))
        return completed

    def root(self) -> bytes:
        """The tree's root: the frontier folded from the right (RFC 6962's MTH)."""
        hashes = self._hashes
        if not hashes:
            return EMPTY_ROOT
        current = hashes[-1]
        for left in reversed(hashes[:-1]):
            current = node_hash(left, current)
        return current

    def to_state(self) -> bytes:
        """Serialise the range for persistence: the size (8 bytes, big endian) then the hashes."""
        return self._size.to_bytes(_STATE_SIZE_BYTES, "big") + b"".join(self._hashes)

    @classmethod
    def from_state(cls, state: bytes) -> CompactRange:
        """Rebuild a range from :meth:`to_state`, refusing any state that does not add up."""
        if len(state) < _STATE_SIZE_BYTES or (len(state) - _STATE_SIZE_BYTES) % HASH_SIZE:
            raise LogIntegrityError("a stored frontier has a truncated or padded encoding")
        size = int.from_bytes(state[:_STATE_SIZE_BYTES], "big")
        body = state[_STATE_SIZE_BYTES:]
        hashes = [body[i : i + HASH_SIZE] for i in range(0, len(body), HASH_SIZE)]
        return cls(size, hashes)

    def __repr__(self) -> str:
        return f"CompactRange(size={self._size}, root={self.root().hex()})"


# Proof generation. Both RFC 9162 algorithms walk down from the root, choosing at each step the
# half that holds what is being proved and emitting the other half's hash. Left halves and every
# range below the first left turn are perfect subtrees; only a right sibling ending at the tree's
# right edge can be imperfect, and that happens at most once per proof, so a proof costs O(log n)
# lookups of persisted nodes.


def _perfect(node: NodeLookup, start: int, width: int) -> bytes:
    """The hash of the perfect subtree of ``width`` (a power of two) leaves from ``start``."""
    level = width.bit_length() - 1
    return node(level, start >> level)


def subtree_hash(start: int, end: int, node: NodeLookup) -> bytes:
    """The Merkle hash of leaves [start, end), where ``start`` is aligned as RFC 6962 splits do.

    A range that is not a perfect subtree is the fold, from the right, of the perfect subtrees
    given by the set bits of its width, largest first.
    """
    parts: list[bytes] = []
    position = start
    remaining = end - start
    while remaining:
        width = 1 << (remaining.bit_length() - 1)
        parts.append(_perfect(node, position, width))
        position += width
        remaining -= width
    current = parts[-1]
    for left in reversed(parts[:-1]):
        current = node_hash(left, current)
    return current


def inclusion_proof(index: int, size: int, node: NodeLookup) -> list[bytes]:
    """The audit path of leaf ``index`` in the tree of ``size`` leaves (RFC 9162 2.1.3.1)."""
    if not 0 <= index < size:
        raise InvalidInput(f"leaf {index} is not in {_tree(size)}")
    siblings: list[bytes] = []
    start, end = 0, size
    while end - start > 1:
        middle = start + _split(end - start)
        if index < middle:
            siblings.append(subtree_hash(middle, end, node))
            end = middle
        else:
            siblings.append(_perfect(node, start, middle - start))
            start = middle
    siblings.reverse()
    return siblings


def consistency_proof(size1: int, size2: int, node: NodeLookup) -> list[bytes]:
    """The proof that the tree of ``size1`` leaves begins that of ``size2`` (RFC 9162 2.1.4.1).

    Equal sizes need no proof. An empty first tree is refused, as verification refuses it.
    """
    if not 0 < size1 <= size2:
        raise InvalidInput(f"no consistency proof exists from size {size1} to size {size2}")
    proof: list[bytes] = []
    if size1 == size2:
        return proof
    start, end = 0, size2
    whole = True  # still on the path of the first tree's own root, which the verifier holds
    while end != size1:
        middle = start + _split(end - start)
        if size1 <= middle:
            proof.append(subtree_hash(middle, end, node))
            end = middle
        else:
            proof.append(_perfect(node, start, middle - start))
            start = middle
            whole = False
    if not whole:
        proof.append(_perfect(node, start, end - start))
    proof.reverse()
    return proof


# Verification (RFC 9162 2.1.3.2 and 2.1.4.2). Each failure names its reason in plain words, so an
# auditor reading `audit verify` learns what is wrong, not only that something is.


def _check_hashes(what: str, hashes: Sequence[bytes]) -> None:
    """Refuse proof components that are not SHA-256 digests before hashing anything."""
    for position, value in enumerate(hashes):
        if len(value) != HASH_SIZE:
            raise LogIntegrityError(
                f"{what} component {position} is {len(value)} bytes long, not {HASH_SIZE}"
            )


def _same(a: bytes, b: bytes) -> bool:
    return hmac.compare_digest(a, b)


def root_from_inclusion_proof(
    leaf_hash: bytes, index: int, size: int, proof: Sequence[bytes]
) -> bytes:
    """The root that ``proof`` implies for ``leaf_hash`` at ``index`` in a tree of ``size`` leaves.

    Refuses a proof of the wrong length for that position: a path is exactly as long as the
    number of levels between the leaf and the root, so extra or missing hashes are tampering.
    """
    if not 0 <= index < size:
        raise LogIntegrityError(f"leaf {index} is not in {_tree(size)}", index=index)
    if len(leaf_hash) != HASH_SIZE:
        raise LogIntegrityError(
            f"the leaf hash is {len(leaf_hash)} bytes long, not {HASH_SIZE}", index=index
        )
    _check_hashes("inclusion proof", proof)
    fn, sn = index, size - 1
    current = leaf_hash
    for sibling in proof:
        if sn == 0:
            raise LogIntegrityError("the inclusion proof is too long", index=index)
        if fn & 1 or fn == sn:
            current = node_hash(sibling, current)
            # On the right edge a node may have no sibling: skip the levels it is promoted through.
            while not fn & 1 and fn:
                fn >>= 1
                sn >>= 1
        else:
            current = node_hash(current, sibling)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise LogIntegrityError("the inclusion proof is too short", index=index)
    return current


def verify_inclusion(
    leaf_hash: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes
) -> None:
    """Raise :class:`LogIntegrityError` unless ``proof`` places ``leaf_hash`` under ``root``."""
    computed = root_from_inclusion_proof(leaf_hash, index, size, proof)
    if not _same(computed, root):
        raise LogIntegrityError(
            f"the inclusion proof for leaf {index} does not lead to the root of {_tree(size)}",
            index=index,
        )


def verify_consistency(
    size1: int, size2: int, root1: bytes, root2: bytes, proof: Sequence[bytes]
) -> None:
    """Raise :class:`LogIntegrityError` unless the tree (size2, root2) extends (size1, root1).

    A first tree of size 0 is refused: it commits to nothing, so the check would prove nothing
    and a caller relying on it would be misled. Equal sizes need equal roots and an empty proof.
    """
    if size1 > size2:
        raise LogIntegrityError(f"the first tree ({size1}) is larger than the second ({size2})")
    if size1 <= 0:
        raise LogIntegrityError("a consistency proof from an empty tree proves nothing")
    if size1 == size2:
        if proof:
            raise LogIntegrityError("trees of the same size need an empty consistency proof")
        if not _same(root1, root2):
            raise LogIntegrityError(f"the two roots differ for the same size, {size1}")
        return
    if not proof:
        raise LogIntegrityError("the consistency proof is empty")
    _check_hashes("consistency proof", proof)
    if len(root1) != HASH_SIZE or len(root2) != HASH_SIZE:
        raise LogIntegrityError("a tree root is not 32 bytes long")
    old_root, new_root = _roots_from_consistency_proof(size1, size2, root1, proof)
    if not _same(old_root, root1):
        raise LogIntegrityError(
            f"the consistency proof does not lead to the root of {_tree(size1)}"
        )
    if not _same(new_root, root2):
        raise LogIntegrityError(
            f"the consistency proof does not lead to the root of {_tree(size2)}"
        )


def _roots_from_consistency_proof(
    size1: int, size2: int, root1: bytes, proof: Sequence[bytes]
) -> tuple[bytes, bytes]:
    """Rebuild both roots from a consistency proof, for 0 < size1 < size2 (RFC 9162 2.1.4.2)."""
    components = list(proof)
    if size1 & (size1 - 1) == 0:
        # The first tree is a perfect subtree of the second, so its root is the proof's seed.
        components.insert(0, root1)
    fn, sn = size1 - 1, size2 - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    old_root = new_root = components[0]
    for component in components[1:]:
        if sn == 0:
            raise LogIntegrityError("the consistency proof is too long")
        if fn & 1 or fn == sn:
            old_root = node_hash(component, old_root)
            new_root = node_hash(component, new_root)
            while not fn & 1 and fn:
                fn >>= 1
                sn >>= 1
        else:
            new_root = node_hash(new_root, component)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise LogIntegrityError("the consistency proof is too short")
    return old_root, new_root
