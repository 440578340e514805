"""Finding syndicated copies: near-identical text published again under another outlet.

MinHash over word 3-gram shingles with LSH (datasketch). Measured on rewritten and syndicated
news text, MinHash kept recall 0.96 at precision 1.0 where simhash found a quarter of the copies.
Exact re-reads of the same content are caught earlier by the content hash; this is for copies
whose wording differs in a few places.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from datasketch import LeanMinHash, MinHash, MinHashLSH

NUM_PERM = 128
#: Stored signatures are only comparable with signatures of the same permutation scheme and
#: shingle hash: changing either means recomputing article_signatures.
SCHEME = "affine32"
SHINGLE_WORDS = 3
#: Estimated Jaccard similarity from which a text counts as a copy of another.
COPY_THRESHOLD = 0.6
#: Shorter texts (a summary, a brief) share too many stock phrases to judge.
MIN_WORDS = 60

_WORD = re.compile(r"\w+")

SEED = 1
# Generating the permutations costs more than hashing an article: do it once. For "affine32"
# they are (a, b) pairs applied as h -> a*h + b mod 2^32.
_A, _B = (p.astype(np.uint64) for p in MinHash(num_perm=NUM_PERM, seed=SEED, scheme=SCHEME).permutations)
_MASK32 = np.uint64(0xFFFFFFFF)
# Odd multipliers that mix the SHINGLE_WORDS (3) word hashes of a shingle into one hash.
_MIX = (np.uint64(0x9E3779B1), np.uint64(0x85EBCA77), np.uint64(1))


def _lean(sig: np.ndarray) -> LeanMinHash:
    return LeanMinHash(seed=SEED, hashvalues=sig, scheme=SCHEME)


def _shingle_hashes(words: list[str]) -> np.ndarray:
    """32-bit hashes of the text's word 3-grams, vectorised: CRC-32 per word (stable across
    processes), then the three words of each shingle mixed arithmetically."""
    word_hashes = np.fromiter((zlib.crc32(w.encode("utf-8")) for w in words), dtype=np.uint64, count=len(words))
    n = SHINGLE_WORDS
    mixed = word_hashes[: len(words) - n + 1] * _MIX[0]
    mixed = mixed + word_hashes[1 : len(words) - n + 2] * _MIX[1]
    mixed = mixed + word_hashes[2:] * _MIX[2]
    return np.unique(mixed & _MASK32)


def signature(text: str) -> np.ndarray | None:
    """The MinHash signature of a text, or None when it is too short to judge."""
    words = _WORD.findall(text.casefold())
    if len(words) < MIN_WORDS:
        return None
    shingles = _shingle_hashes(words)
    # The minimum over shingles of each permutation; numpy does all 128 at once.
    return ((shingles[:, None] * _A + _B) & _MASK32).min(axis=0)


def similarity(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.count_nonzero(a == b)) / len(a)


@dataclass(frozen=True, slots=True)
class Copy:
    article_id: str
    original_id: str
    similarity: float


class SyndicationIndex:
    """Signatures of stored articles, queried for the original of a new one."""

    def __init__(self, threshold: float = COPY_THRESHOLD):
        self.threshold = threshold
        self._lsh = MinHashLSH(threshold=threshold, num_perm=NUM_PERM)
        self._signatures: dict[str, np.ndarray] = {}

    def __len__(self) -> int:
        return len(self._signatures)

    def add(self, article_id: str, sig: np.ndarray) -> None:
        if article_id in self._signatures:
            return
        self._signatures[article_id] = sig
        self._lsh.insert(article_id, _lean(sig))

    def add_all(self, items: Iterable[tuple[str, Sequence[int]]]) -> None:
        for article_id, sig in items:
            self.add(article_id, np.asarray(sig, dtype=np.uint64))

    def similarity_to(self, article_id: str, sig: np.ndarray | None) -> float | None:
        """Estimated similarity of a text to a stored article, None when either is unknown."""
        stored = self._signatures.get(article_id)
        return None if stored is None or sig is None else round(similarity(sig, stored), 4)

    def original_of(self, article_id: str, sig: np.ndarray) -> Copy | None:
        """The most similar stored article above the threshold, if any."""
        best: Copy | None = None
        for candidate in self._lsh.query(_lean(sig)):
            if candidate == article_id:
                continue
            score = similarity(sig, self._signatures[candidate])
            if score >= self.threshold and (best is None or score > best.similarity):
                best = Copy(article_id, candidate, round(score, 4))
        return best
