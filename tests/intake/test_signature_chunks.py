"""A long text's signature is computed in chunks, with the same result as hashing its shingle set at once."""

from __future__ import annotations

import random

from datasketch import MinHash

from tracker.intake.signatures import NUM_PERM, SEED, SIGNATURE_CHUNK, shingles, signature


def _at_once(text: str) -> bytes:
    minhash = MinHash(num_perm=NUM_PERM, seed=SEED)
    minhash.update_batch(list(shingles(text)))
    return minhash.hashvalues.astype(">u4").tobytes()


def test_a_text_longer_than_a_chunk_signs_as_its_shingle_set_does():
    rng = random.Random(7)
    text = " ".join(f"w{rng.randrange(3000)}" for _ in range(3 * SIGNATURE_CHUNK))
    assert signature(text) == _at_once(text)


def test_short_and_empty_texts():
    assert signature("") is None and signature("...") is None
    assert signature("two words") == _at_once("two words")
    assert signature("one two three four five six") == _at_once("one two three four five six")
