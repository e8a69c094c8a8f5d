"""What the learned ranker reads of a passage whatever the question asks: its stemmed words by
sentence, its names and figures, its length.

Reading a passage is most of what ranking a candidate pool costs (a regular-expression scan and
stemming for each of some 160 candidates), and a search at scale meets mostly passages it has not
read before. So a passage is read once, when it is stored: the manifest keeps the reading beside
the text (`PassageReading.to_text`), a search parses it back, and only passages stored before
readings were kept (or by another version of this reading) are read at search time. Either way
the ranker sees the same features. Readings are also kept for the last 4,096 texts a process
read (titles among them).
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from dataclasses import dataclass
from itertools import chain

from newsqa.index.words import stemmed_words

NAME = re.compile(r"\b[A-Z][\w'’&.-]*[\w]")  # a capitalised word
FIGURE = re.compile(r"\d[\d,.]*\d|\d")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
# The stored form's version: a reading stored in another form is read again from the text.
_FORM = "r1"


@dataclass(frozen=True)
class PassageReading:
    """One passage as the ranker reads it, whatever the question."""

    sentences: tuple[frozenset[str], ...]  # each sentence's stemmed words
    words: frozenset[str]
    flat: tuple[str, ...]  # the passage's words in order, across its sentences
    figures: int
    names: frozenset[str]  # capitalised words, lower-cased
    word_count: int  # words between white space (at least 1)
    lengths: tuple[int, ...]  # each sentence's number of words, in order: where `flat` breaks

    @classmethod
    def of(cls, by_sentence: list[list[str]], figures: int, names: frozenset[str], word_count: int) -> PassageReading:
        flat = tuple(chain.from_iterable(by_sentence))
        return cls(sentences=tuple(map(frozenset, by_sentence)), words=frozenset(flat), flat=flat,
                   figures=figures, names=names, word_count=word_count, lengths=tuple(map(len, by_sentence)))

    def to_text(self) -> str:
        """The stored form: the version, the counts, the names, then a sentence a line."""
        lines, at = [], 0
        for length in self.lengths:
            lines.append(" ".join(self.flat[at:at + length]))
            at += length
        return f"{_FORM} {self.figures} {self.word_count}\t{' '.join(sorted(self.names))}\t" + "\n".join(lines)

    @classmethod
    def from_text(cls, stored: str) -> PassageReading | None:
        """The reading `to_text` stored; None when it is of another form."""
        head, _, rest = stored.partition("\t")
        form, *counts = head.split(" ")
        if form != _FORM or len(counts) != 2:
            return None
        names, _, body = rest.partition("\t")
        return cls.of([line.split() for line in body.split("\n")], int(counts[0]), frozenset(names.split()),
                      int(counts[1]))


def read_passages(texts: list[str]) -> list[PassageReading]:
    """Each text read, the texts' sentences stemmed in one batch (each distinct word stemmed once)."""
    sentences = [_SENTENCE_END.split(text) for text in texts]
    words = stemmed_words([part for parts in sentences for part in parts])
    read, at = [], 0
    for text, parts in zip(texts, sentences):
        by_sentence = words[at:at + len(parts)]
        at += len(parts)
        # The split drops only white space between sentences: a passage's words are its sentences' words.
        read.append(PassageReading.of(by_sentence, len(FIGURE.findall(text)),
                                      frozenset(map(str.lower, NAME.findall(text))), len(text.split()) or 1))
    return read


class ReadingCache:
    """The last `size` texts read, least recently used out; thread-safe (the server's searches)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._read: OrderedDict[str, PassageReading] = OrderedDict()
        self._lock = threading.Lock()

    def read(self, texts: list[str], stored: list[str | None] | None = None) -> list[PassageReading]:
        """Each text's reading: remembered, parsed from its stored reading, or read now."""
        with self._lock:
            known = {t: self._read[t] for t in texts if t in self._read}
        for text, reading in zip(texts, stored or []):
            if text not in known and reading and (parsed := PassageReading.from_text(reading)) is not None:
                known[text] = parsed
        missing = list(dict.fromkeys(t for t in texts if t not in known))
        known.update(zip(missing, read_passages(missing)))  # read outside the lock
        with self._lock:
            found = []
            for text in texts:
                passage = self._read[text] = known[text]
                self._read.move_to_end(text)
                found.append(passage)
            while len(self._read) > self.size:
                self._read.popitem(last=False)
        return found


def stored_readings(texts: list[str]) -> list[str]:
    """What the manifest keeps beside each passage's text."""
    return [reading.to_text() for reading in read_passages(texts)]
