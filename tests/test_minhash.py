"""monitor.minhash gives datasketch's MinHash(scheme="affine32") values exactly: stored story
signatures made before and after must stay comparable."""

from __future__ import annotations

import random

import numpy as np
import pytest
from datasketch import MinHash

from monitor.minhash import minhash


@pytest.mark.parametrize("count", [0, 1, 7, 400])
def test_minhash_is_datasketchs_affine32(count: int) -> None:
    rng = random.Random(count)
    shingles = {rng.randbytes(rng.randint(1, 40)) for _ in range(count)}
    theirs = MinHash(num_perm=128, scheme="affine32", seed=1)
    theirs.update_batch(shingles)
    assert np.array_equal(minhash(shingles, 128), theirs.hashvalues)


def test_words_shared_make_signatures_agree() -> None:
    words = [f"word{i}" for i in range(60)]
    one = minhash({" ".join(words[i : i + 3]).encode() for i in range(58)}, 128)
    other = minhash({" ".join(words[i : i + 3]).encode() for i in range(2, 58)}, 128)
    assert 0.8 < np.count_nonzero(one == other) / 128 < 1.0
