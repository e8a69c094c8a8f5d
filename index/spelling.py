"""A question's misspelt words read as the indexed articles spell them.

People type fast in chat: "congsetion charging", "comdeian". A misspelt word matches nothing in the
lexical half of the search, and the small model, given the misspelling in its prompt, misreads the
question (on the dev weeks a typo in a question's longest word cost a quarter of its right
answers). The words of the indexed articles are the vocabulary that matters here: a question word
that no article contains, and that is one or two edits (Damerau's: a swap of two neighbours is one)
from a word the articles do contain, is read as that word. RapidFuzz measures the edits.

A word the articles lack is kept when English has it (wordfreq lists it: "figurine", "airbases",
"nonorganic" are no misspellings of "figuring", "airwaves", "inorganic") unless the near word is a
thousand times as common (English lists frequent misspellings too: "govenrment"); when nothing in
the vocabulary is that close; when two words are equally close and equally common; or when it is a
form of a word they hold ("rupture" beside "ruptured": the same stem, no misspelling). A word typed
with a capital after the text's first word is a name: it is read only as a word the articles too
write with a capital ("Washnigton" → "Washington"), so that a name the news has not reported
("Corina", "Drents") is not taken for a common word one letter from it ("corona", "rents"). In a
question typed all in lower case nothing tells a name apart, and such a name can still be read as
a near word.

In a question typed all in lower case (but for its first letter), a word the articles write with a
capital wherever they write it ("bafta", "nato", "syria") is read as they write it ("BAFTA",
"NATO", "Syria"): the small model took "the bafta awards" for something other than the BAFTAs the
articles report, and answered otherwise than to the question typed with capitals. A question typed
with capitals keeps its lower-case words: its asker wrote "theatre" as a word, not as the name of
the theatres the news reports.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

import Stemmer
from rapidfuzz import process
from rapidfuzz.distance import OSA
from wordfreq import zipf_frequency

_WORD = re.compile(r"[^\W\d_]+")  # letters only: figures and names with digits are never changed
MIN_LENGTH = 5  # shorter words are too often a correct word of a name or acronym the news lacks
MIN_COUNT = 3  # a word must appear in this many passages to be a correction (not another typo)
# A short name is read as another only when the articles name that one often: "Yarros", a name the
# news had not reported, is one letter from "Yarrosh", named in 6 passages of the dev weeks.
MIN_SHORT_NAME_COUNT = 10
# English lists some misspellings too ("govenrment", "feburary"): a listed word is read as its near
# word only when that one is at least 10^3 times as common in English (3 on wordfreq's Zipf scale).
MISSPELLING_ZIPF_GAP = 3.0
# A word is a name to write with its capital when at most one in this many passages holding it writes
# it in lower case: "Trump" and "BAFTA" are, "house", "fed" and "us" are not.
LOWERCASE_ONE_IN = 20


_STEMMER = Stemmer.Stemmer("english")
# A capital the asker typed: not the text's first letter, nor one of an abbreviation with periods
# ("U.S.", which the question's reading writes for a typed "us").
_TYPED_CAPITAL = re.compile(r"[A-Z](?!\.)")


@dataclass
class WordCounts:
    """What the passages say of each word: how many hold it (lower-cased), how many write it with a
    capital, how many write it in lower case, and how many hold each way of writing it with capitals.
    Counts of passages, so the counts of a set of passages are the sums of each one's: the manifest
    keeps them up to date by adding a new passage's and taking away a removed one's."""

    counts: Counter[str] = field(default_factory=Counter)
    capitalized: Counter[str] = field(default_factory=Counter)
    in_lowercase: Counter[str] = field(default_factory=Counter)
    forms: Counter[str] = field(default_factory=Counter)


def count_words(texts: Iterable[str]) -> WordCounts:
    """The word counts of these passages."""
    found = WordCounts()
    for text in texts:
        words = set(_WORD.findall(text))
        found.counts.update({w.lower() for w in words})
        found.capitalized.update({w.lower() for w in words if w[0].isupper()})
        found.in_lowercase.update(w for w in words if w.islower())
        found.forms.update(w for w in words if not w.islower())
    return found


def written_forms(words: WordCounts) -> dict[str, str]:
    """For the words the passages (nearly) never write in lower case, the way they write them most
    often ("bafta": "BAFTA")."""
    written: dict[str, str] = {}
    for form, _ in words.forms.most_common():  # the most common form of a word first
        word = form.lower()
        if (word not in written and words.counts[word] >= MIN_COUNT
                and words.in_lowercase[word] * LOWERCASE_ONE_IN <= words.counts[word]):
            written[word] = form
    return written


def words_of(texts: Iterable[str]) -> tuple[Counter[str], Counter[str], dict[str, str]]:
    """The vocabulary a correction comes from (`Spelling`'s arguments): how many of the texts contain
    each lower-cased word, how many contain it written with a capital, and each name's written form."""
    words = count_words(texts)
    return words.counts, words.capitalized, written_forms(words)


def max_edits(word: str) -> int:
    """One edit for a word of up to seven letters, two for a longer one."""
    return 1 if len(word) < 8 else 2


class Spelling:
    """Corrects the words of a text that the vocabulary lacks to its nearest, most common word."""

    def __init__(self, counts: Counter[str] | dict[str, int], capitalized: Counter[str] | dict[str, int],
                 written: dict[str, str] | None = None) -> None:
        common = [w for w, n in counts.items() if n >= MIN_COUNT and len(w) >= MIN_LENGTH - 2]
        self.counts = {w: counts[w] for w in common}
        self._words = common
        # A name: a word the texts write with a capital at least as often as without one.
        self._names = [w for w in common if 2 * capitalized.get(w, 0) >= counts[w]]
        self._common_names = [w for w in self._names if counts[w] >= MIN_SHORT_NAME_COUNT]
        self._seen = set(counts)
        self._stems = set(_STEMMER.stemWords(list(counts)))
        self._written = written or {}

    def correct(self, text: str) -> str:
        """The text with each misspelt word replaced by its correction, in the same letter case; in a
        text typed in lower case (but for its first letter and abbreviations such as "U.S."), each
        word the passages always write with a capital written so."""
        in_lower_case = not _TYPED_CAPITAL.search(text, 1)

        def corrected(match: re.Match[str]) -> str:
            typed = match.group()
            as_name = match.start() > 0 and typed[0].isupper()
            word = self.correction(typed.lower(), as_name)
            if in_lower_case and word in self._written:
                return self._written[word]
            return typed if word == typed.lower() else _same_case(typed, word)
        return _WORD.sub(corrected, text)

    def correction(self, word: str, name: bool = False) -> str:
        """The vocabulary's word for `word` (among its names when `name`), or `word` itself when it
        is known, a form of a known word, or nothing is close."""
        if len(word) < MIN_LENGTH or word in self._seen or _STEMMER.stemWord(word) in self._stems:
            return word
        limit = max_edits(word)
        choices = self._words
        if name:
            choices = self._names if len(word) >= 8 else self._common_names
        near = process.extract(word, choices, scorer=OSA.distance, score_cutoff=limit, limit=None)
        if not near:
            return word
        fewest = min(edits for _, edits, _ in near)
        best = sorted(((self.counts[w], w) for w, edits, _ in near if edits == fewest), reverse=True)
        if len(best) > 1 and best[0][0] == best[1][0]:
            return word  # two corrections as likely: no reason to prefer either
        listed = zipf_frequency(word, "en")
        if listed and zipf_frequency(best[0][1], "en") - listed < MISSPELLING_ZIPF_GAP:
            return word  # an English word the articles happen not to use
        return best[0][1]


def _same_case(typed: str, word: str) -> str:
    return word[:1].upper() + word[1:] if typed[:1].isupper() else word
