"""Near duplicates by text similarity: a MinHash signature per source, banded for lookup in the database.

A source's signature is the MinHash (128 permutations, a fixed seed) of the 5-word shingles of its
normalised, lower-cased text, stored as 128 big-endian unsigned 32-bit values (512 bytes) in
``Source.text_signature``. Its 16 bands of 8 values are each hashed to a signed 64-bit integer and stored
as ``SourceSignatureBand`` rows, indexed on (band, value). Two sources sharing any band are candidates;
the share of equal values in their signatures estimates the Jaccard similarity of their shingles. With
16 x 8, a pair at similarity 0.8 shares a band with probability 0.95, at 0.9 with probability 0.9999,
at 0.5 with probability 0.06. Every process reads the same rows: nothing is held in memory between calls.
"""

from __future__ import annotations

import hashlib
import re
from collections import deque
from collections.abc import Iterator
from itertools import islice

import numpy as np

NUM_PERM = 128
SEED = 16
SHINGLE_WORDS = 5
BANDS = 16
ROWS = NUM_PERM // BANDS
NEAR_DUPLICATE_THRESHOLD = 0.8
SIGNATURE_CHUNK = 10_000  # shingles hashed at a time: 128 x 10,000 x 8 bytes per array

_WORD = re.compile(r"\w+", re.UNICODE)


def shingles(text: str) -> set[bytes]:
    """The 5-word shingles of the text, lower-cased (a shorter text is one shingle)."""
    words = _WORD.findall(text.lower())
    if not words:
        return set()
    if len(words) < SHINGLE_WORDS:
        return {" ".join(words).encode()}
    return {" ".join(words[i : i + SHINGLE_WORDS]).encode() for i in range(len(words) - SHINGLE_WORDS + 1)}


def batched(items: Iterator, size: int) -> Iterator[tuple]:
    """``itertools.batched`` (Python 3.12) for 3.11."""
    while chunk := tuple(islice(items, size)):
        yield chunk


def _shingle_stream(text: str) -> Iterator[bytes]:
    """The text's shingles one by one, as ``shingles`` gives them but repeats included (a MinHash takes the
    minimum of each permutation, so a repeat changes nothing) and without holding the text's words at once."""
    window: deque[str] = deque(maxlen=SHINGLE_WORDS)
    for match in _WORD.finditer(text.lower()):
        window.append(match.group())
        if len(window) == SHINGLE_WORDS:
            yield " ".join(window).encode()
    if 0 < len(window) < SHINGLE_WORDS:
        yield " ".join(window).encode()


def signature(text: str) -> bytes | None:
    """The text's MinHash signature as 512 bytes; None for a text without words.

    The shingles are hashed in chunks: datasketch's ``update_batch`` builds a permutations x shingles array, which
    for a 100,000-row spreadsheet stored as a source (a million shingles) would take gigabytes at once."""
    from datasketch import MinHash

    minhash = MinHash(num_perm=NUM_PERM, seed=SEED)
    empty = True
    for chunk in batched(_shingle_stream(text), SIGNATURE_CHUNK):
        minhash.update_batch(list(chunk))
        empty = False
    if empty:
        return None
    return minhash.hashvalues.astype(">u4").tobytes()


def values_of(sig: bytes) -> np.ndarray:
    return np.frombuffer(bytes(sig), dtype=">u4")


def bands(sig: bytes) -> list[tuple[int, int]]:
    """(band, value) pairs: each band's 8 values hashed to a signed 64-bit integer (a BigIntegerField)."""
    raw = bytes(sig)
    width = ROWS * 4
    return [
        (band, int.from_bytes(hashlib.blake2b(raw[band * width : (band + 1) * width], digest_size=8).digest(),
                              "big", signed=True))
        for band in range(BANDS)
    ]


def similarity(a: bytes, b: bytes) -> float:
    """The estimated Jaccard similarity of two signatures' texts (the share of equal values)."""
    first, second = values_of(a), values_of(b)
    if len(first) != NUM_PERM or len(second) != NUM_PERM:
        return 0.0
    return float(np.count_nonzero(first == second)) / NUM_PERM
