"""MinHash signatures, bit for bit those of datasketch's `MinHash(scheme="affine32", seed=1)`.

Stories are told apart by MinHash signatures stored in the database, so the values must stay
datasketch's. But `import datasketch` runs its package `__init__`, which imports its LSH indexes
and with them scipy: ~0.8 s and ~50 MB in every poll process and parse worker, for ~25 lines of
arithmetic. This is that arithmetic (SHA-1's first four bytes as the input hash, the MurmurHash3
32-bit finalizer, then `a*h + b` mod 2**32 per permutation, the minimum over the set), with
numpy alone; tests/test_minhash.py checks it against datasketch itself.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Iterable

import numpy as np

SEED = 1  # datasketch's default seed
_EMPTY = np.uint32(2**32 - 1)
_FMIX32 = (np.uint32(16), np.uint32(0x85EBCA6B), np.uint32(13), np.uint32(0xC2B2AE35), np.uint32(16))


def minhash(shingles: Iterable[bytes], num_perm: int) -> np.ndarray:
    """The signature (num_perm uint32 values) of a set of byte strings."""
    a, b = permutations(num_perm)
    # each digest's first four bytes, little-endian: the whole digests joined, every fifth uint32
    # (a third less time than an int.from_bytes per shingle)
    sha1 = hashlib.sha1
    hashes = np.frombuffer(b"".join([sha1(s).digest() for s in shingles]), dtype="<u4")[::5]
    if not hashes.size:
        return np.full(num_perm, _EMPTY, dtype=np.uint32)
    mixed = _fmix32(hashes).reshape(-1, 1)
    return np.asarray((mixed * a + b).min(axis=0), dtype=np.uint32)


@functools.cache
def permutations(num_perm: int) -> tuple[np.ndarray, np.ndarray]:
    """The affine permutations drawn as datasketch draws them: odd `a` (a bijection), any `b`."""
    generator = np.random.RandomState(SEED)
    a = generator.randint(0, 1 << 31, num_perm, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
    b = generator.randint(0, 1 << 32, num_perm, dtype=np.uint32)
    return a, b


def _fmix32(values: np.ndarray) -> np.ndarray:
    """MurmurHash3's 32-bit finalizer; uint32 products wrap, which is the intended mod 2**32."""
    s1, m1, s2, m2, s3 = _FMIX32
    values = values ^ (values >> s1)
    values = values * m1
    values = values ^ (values >> s2)
    values = values * m2
    return values ^ (values >> s3)
