"""The lexical index: BM25 (bm25s) over the visible chunks, as a snapshot on disk.

The snapshot also holds the vocabulary of the passages (index/spelling.py): how many passages
contain each word, so that a misspelt question word can be read as the articles spell it.

The manifest is the source of truth for which chunks exist and what they say; this index is a
derived snapshot of it, stamped with the manifest's `generation`. Whenever the two differ (after
an ingest or forget, or an interrupted one), the snapshot is rebuilt from the manifest, so it can
never serve chunks the manifest does not list. Snapshots are written to a temporary directory
and renamed into place, so a reader in another process never sees half of one.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import threading
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import bm25s
import numpy as np
import Stemmer
from bm25s.stopwords import STOPWORDS_EN

from newsqa.index.chunking import article_of
from newsqa.index.filters import Filters
from newsqa.index.manifest import Manifest
from newsqa.index.spelling import Spelling, words_of

_STEMMER = Stemmer.Stemmer("english")


_WORD = re.compile(r"(?u)\b\w\w+\b")  # bm25s's own token pattern
_STOPWORDS = frozenset(STOPWORDS_EN)


# Each word stemmed so far: searches bring the same words back, question after question.
_STEMS: dict[str, str] = {}
_MAX_STEMS = 400_000  # about 40 MB; started afresh when full


def stemmed_words(texts: list[str]) -> list[list[str]]:
    """The words `tokenize` gives, read faster for many short texts at once (each distinct word is
    stemmed once a process): the learned ranker reads every candidate's words on every search."""
    global _STEMS
    words = [[w for w in _WORD.findall(text.lower()) if w not in _STOPWORDS] for text in texts]
    if len(_STEMS) > _MAX_STEMS:
        _STEMS = {}
    stems = _STEMS  # this call's view, whatever another thread starts afresh
    unknown = list({w for found in words for w in found if w not in stems})
    stems.update(zip(unknown, _STEMMER.stemWords(unknown)))
    stem = stems.__getitem__
    return [list(map(stem, found)) for found in words]


def tokenize(texts: list[str]) -> list[list[str]]:
    """Lower-cased, English stop words removed, Snowball-stemmed words."""
    return bm25s.tokenize(
        texts, stopwords="en", stemmer=_STEMMER, show_progress=False, return_ids=False
    )


@dataclass
class _Snapshot:
    generation: int
    retriever: bm25s.BM25 | None
    chunk_ids: list[str]
    sources: np.ndarray  # lower-cased outlet of each chunk
    published: np.ndarray  # unix seconds, NaN when undated
    # "counts" and "capitalized": passages holding each word; "written": how a name is written
    words: dict[str, dict[str, int] | dict[str, str]]

    @cached_property
    def spelling(self) -> Spelling:
        """Corrections of misspelt words to the passages' words."""
        return Spelling(self.words["counts"], self.words["capitalized"], self.words["written"])

    @cached_property
    def article_ids(self) -> np.ndarray:
        """The article of each chunk."""
        return np.array([article_of(cid) for cid in self.chunk_ids])

    def mask(self, filters: Filters) -> np.ndarray | None:
        """1 for the chunks the filters allow, 0 for the others; None when nothing is filtered."""
        keep = np.ones(len(self.chunk_ids), dtype=bool)
        if filters.sources or filters.carried:
            keep &= (np.isin(self.sources, [s.lower() for s in filters.sources])
                     | np.isin(self.article_ids, list(filters.carried)))
        with np.errstate(invalid="ignore"):
            if filters.since:
                keep &= self.published >= filters.since.timestamp()
            if filters.until:
                keep &= self.published <= filters.until.timestamp()
            if filters.as_of:
                keep &= np.isnan(self.published) | (self.published <= filters.as_of.timestamp())
        return None if keep.all() else keep.astype(np.float32)


class LexicalIndex:
    """BM25 search over the manifest's chunks, rebuilt whenever the manifest has changed."""

    def __init__(self, manifest: Manifest, directory: Path) -> None:
        self.manifest = manifest
        self.directory = directory
        self._snapshot: _Snapshot | None = None
        self._lock = threading.Lock()

    def search(self, query: str, limit: int, filters: Filters) -> list[tuple[str, float]]:
        """Chunk ids ranked by BM25, best first, with their scores; only chunks with a match."""
        snapshot = self.current()
        if snapshot.retriever is None:
            return []
        [tokens] = tokenize([query])
        if not tokens:
            return []
        mask = snapshot.mask(filters)
        k = min(limit, len(snapshot.chunk_ids))
        docs, scores = snapshot.retriever.retrieve(
            [tokens], k=k, show_progress=False, n_threads=1, weight_mask=mask
        )
        return [(snapshot.chunk_ids[d], float(s)) for d, s in zip(docs[0], scores[0]) if s > 0]

    def current(self) -> _Snapshot:
        """The snapshot for the manifest's current generation: in memory, on disk, or rebuilt."""
        generation = self.manifest.generation()
        with self._lock:
            if self._snapshot is None or self._snapshot.generation != generation:
                self._snapshot = self._load(generation) or self._build()
            return self._snapshot

    def _path(self, generation: int) -> Path:
        # "-v3": snapshots that hold the vocabulary with the names' written forms; an older one of the
        # same generation is rebuilt
        return self.directory / f"generation-{generation}-v3"

    def _load(self, generation: int) -> _Snapshot | None:
        path = self._path(generation)
        if not (path / "chunks.json").is_file():
            return None
        try:
            meta = json.loads((path / "chunks.json").read_text())
            arrays = np.load(path / "filters.npz")
            retriever = bm25s.BM25.load(str(path / "bm25"), mmap=True) if meta["chunk_ids"] else None
            words = json.loads((path / "words.json").read_text())
        except (OSError, ValueError, KeyError):
            return None  # damaged, or from before the vocabulary was kept: rebuild it
        return _Snapshot(generation, retriever, meta["chunk_ids"], arrays["sources"], arrays["published"], words)

    def _build(self) -> _Snapshot:
        generation, rows = self.manifest.lexical_corpus()
        chunk_ids = [r[0] for r in rows]
        retriever = None
        if rows:
            retriever = bm25s.BM25()
            retriever.index(tokenize([r[1] for r in rows]), show_progress=False)
        snapshot = _Snapshot(
            generation,
            retriever,
            chunk_ids,
            np.array([(r[2] or "").lower() for r in rows], dtype=object).astype(str),
            np.array([np.nan if r[3] is None else r[3] for r in rows], dtype=np.float64),
            dict(zip(("counts", "capitalized", "written"), words_of(r[1] for r in rows))),
        )
        self._save(snapshot)
        return snapshot

    def _save(self, snapshot: _Snapshot) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        final = self._path(snapshot.generation)
        if final.exists():
            return
        tmp = self.directory / f".tmp-{os.getpid()}-{threading.get_ident()}"
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir()
        if snapshot.retriever is not None:
            snapshot.retriever.save(str(tmp / "bm25"), show_progress=False)
        np.savez(tmp / "filters.npz", sources=snapshot.sources, published=snapshot.published)
        (tmp / "chunks.json").write_text(json.dumps({"chunk_ids": snapshot.chunk_ids}))
        (tmp / "words.json").write_text(json.dumps(snapshot.words))
        try:
            tmp.rename(final)  # atomic: readers see no snapshot or a whole one
        except OSError:  # another process saved the same generation first
            shutil.rmtree(tmp, ignore_errors=True)
        for old in self.directory.glob("generation-*"):
            if old != final:
                shutil.rmtree(old, ignore_errors=True)
