"""Syndicated copies: the same wire story carried by several outlets, found by MinHash.

Each article's text becomes a set of word shingles (`shingle_words` words in a row, lower-cased);
datasketch's MinHash estimates the Jaccard similarity of two such sets and its LSH index finds
the stored articles likely to be above the threshold without comparing against all of them.
The threshold is measured on RealTime QA articles in bench/near_duplicates.py.
"""

from __future__ import annotations

import re

import numpy as np
from datasketch import MinHash, MinHashLSH

from newsqa.index.settings import DedupSettings

_WORD = re.compile(r"\w+")
# The same seed and hashing scheme everywhere: signatures stored by one process are compared in
# another (datasketch 2 needs the scheme named to restore stored values).
SEED = 1
SCHEME = "affine32"


def shingles(text: str, size: int) -> set[str]:
    """Every run of `size` consecutive words of the text (the whole text when it is shorter)."""
    words = _WORD.findall(text.lower())
    if len(words) <= size:
        return {" ".join(words)} if words else set()
    return {" ".join(words[i : i + size]) for i in range(len(words) - size + 1)}


def signature(text: str, settings: DedupSettings) -> MinHash:
    found = MinHash(num_perm=settings.permutations, seed=SEED, scheme=SCHEME)
    found.update_batch([s.encode() for s in shingles(text, settings.shingle_words)])
    return found


def signature_if_long(text: str, settings: DedupSettings) -> MinHash | None:
    """The text's signature, or None under `min_words`: a short text (a failed extraction reads
    the same on every page of a site) is never taken for a copy."""
    return signature(text, settings) if len(text.split()) >= settings.min_words else None


def to_bytes(minhash: MinHash) -> bytes:
    return minhash.hashvalues.astype(np.uint64).tobytes()


def from_bytes(data: bytes, settings: DedupSettings) -> MinHash:
    return MinHash(num_perm=settings.permutations, seed=SEED, scheme=SCHEME,
                   hashvalues=np.frombuffer(data, dtype=np.uint64))


class CopyFinder:
    """The stored articles' signatures, asked "which stored article is this a copy of?"."""

    def __init__(self, settings: DedupSettings, stored: list[tuple[str, bytes]]) -> None:
        self.settings = settings
        self._lsh = MinHashLSH(threshold=settings.threshold, num_perm=settings.permutations)
        self._signatures: dict[str, MinHash] = {}
        for article_id, data in stored:
            self.add(article_id, from_bytes(data, settings))

    def add(self, article_id: str, minhash: MinHash) -> None:
        if article_id in self._signatures:
            self._lsh.remove(article_id)
        self._signatures[article_id] = minhash
        self._lsh.insert(article_id, minhash)

    def original_of(self, minhash: MinHash, article_id: str) -> str | None:
        """The stored article most similar to this one at or above the threshold, else None.

        LSH only proposes candidates; each is confirmed on its estimated similarity."""
        best, best_similarity = None, self.settings.threshold
        for candidate in self._lsh.query(minhash):
            if candidate == article_id:
                continue
            similarity = minhash.jaccard(self._signatures[candidate])
            if similarity >= best_similarity:
                best, best_similarity = candidate, similarity
        return best
