"""The bare answer phrase of a verified answer sentence (the Answer's `short_answer`).

An answer sentence mostly restates the question around the new information: "Thailand has
become the third country in Asia to legalise same-sex marriage" answers "Which country has become
the third in Asia to legalise same-sex marriage?". The phrase is the run of words the question
does not contain: the first such run holding a figure for a how-many/when question, else the
first holding a name for a who/which/where question, else the longest; stop words may join a
run (as in "Gulf of Mexico") but never begin or end it. A name keeps the capitalised words
around it that the question holds too ("New Glenn" for a question about "a new rocket") and ends
at the comma of an appositive ("Sentebale, a British charity" gives "Sentebale"; "Boulder,
Colorado" stays whole). A question about what had something done to it ("Which additive was
banned?") takes the phrase after the verb of a sentence saying who did it ("The FDA banned Red
No. 3"); a where/who phrase is never a day or month; and a clause that only says who states the
sentence ("According to …,") is not read.
"""

from __future__ import annotations

import re

from newsqa.bot.evidence import content_terms
from newsqa.index.question_kind import question_kind
from newsqa.index.words import tokenize

_WORD = re.compile(r"[^\s]+")
_EDGE = re.compile(r"^[\W_]+|[\W_]+$")


def _bare(token: str) -> str:
    return _EDGE.sub("", token).lower()


def _is_stop(word: str) -> bool:
    return bool(word) and not tokenize([word])[0]  # the lexical tokenizer drops stop words


# Who says it is not what is said: "According to Spanish newspaper Marca, Ronaldo is close to
# signing with Al Nassr" answers with Al Nassr, not "Spanish newspaper Marca"; the same for "…,
# the Kathmandu Post reported" closing a sentence.
_SAYS_BEFORE = re.compile(r"^(according to|as reported by|in the words of)\b[^,]{1,80},\s*", re.IGNORECASE)
_SAYS_AFTER = re.compile(r",\s*(according to\b[^,]{1,80}|[^,]{1,60}\b(said|says|reported|reports|told \S+))\s*$",
                         re.IGNORECASE)


_ASKS_WHO_SAYS = re.compile(r"\b(say|says|said|report|reports|reported|according|told|tell|tells)\b", re.IGNORECASE)


def _said(question: str, sentence: str) -> str:
    """The sentence without a clause that only says who states it, when something is left and
    the question does not ask who says it."""
    if _ASKS_WHO_SAYS.search(question):
        return sentence
    for clause in (_SAYS_BEFORE, _SAYS_AFTER):
        rest = clause.sub("", sentence)
        if rest.strip():
            sentence = rest
    return sentence


def answer_phrase(question: str, sentence: str) -> str:
    """The words of `sentence` that answer `question`; the sentence itself when none stand out."""
    sentence = _said(question, sentence.strip().rstrip(".!?"))
    asked_words = {_bare(t) for t in _WORD.findall(question)}
    asked_terms = content_terms(question)
    tokens = _WORD.findall(sentence)
    kind = question_kind(question)
    no_days = kind.label in ("where", "who")
    new = []
    for token in tokens:
        word = _bare(token)
        fresh = bool(word) and word not in asked_words and not (content_terms(word) & asked_terms)
        fresh = fresh and not (no_days and word in _DAYS)
        new.append(fresh or _is_stop(word))  # stop words may sit inside a run
    runs, current = [], []
    for token, ok in zip(tokens, new):
        if ok:
            current.append(token)
        elif current:
            runs.append(current)
            current = []
    if current:
        runs.append(current)
    runs = [r for r in (_trim(r) for r in runs) if r]
    if not runs:
        return sentence
    after = _after_active_verb(question, tokens)
    if after:  # "Which additive was banned?" — "The FDA banned Red No. 3": the answer follows the verb
        runs = [r for r in runs if _position(after, r) is not None] or runs
    if kind.expects == "figure":
        figure = next((r for r in runs if any(re.search(r"\d", t) for t in r)), None)
        day = next((r for r in runs if any(_bare(t) in _DAYS for t in r)), None)  # "when": "on Monday"
        return _figure(figure) if figure else _join(day or runs[0])
    if kind.expects == "name" or kind.label in ("which/what", "where", "who"):
        run = next((r for r in runs if any(t[:1].isupper() for t in r)), runs[0])
        return _join(_whole_name(tokens, _name(run) if kind.expects == "name" else _to_comma(run)))
    return _join(max(runs, key=len))


# A which/what question whose asked thing had something done to it ("Which additive was banned
# …?", "Which cities were hit …?"): the participle after the form of "be".
_PASSIVE_ASKED = re.compile(r"\b(?:which|what)\b[^?.]*?\b(?:is|are|was|were|been|being)\s+"
                            r"([a-z]+ed|hit|struck|won|lost|sold|held|led|shot|built|chosen|taken|given|seen|stolen|"
                            r"beaten|found|made|set|cut|told|sent|left|sworn|named)\b", re.IGNORECASE)
_BE = {"is", "are", "was", "were", "be", "been", "being", "has", "have", "had"}


def _after_active_verb(question: str, tokens: list[str]) -> list[str]:
    """The sentence's words after the question's verb where the sentence says who did it (active
    voice: the verb without "was" before it), else nothing."""
    asked = _PASSIVE_ASKED.search(question)
    if not asked:
        return []
    verb = asked.group(1).lower()
    for k, token in enumerate(tokens):
        if _bare(token) == verb and (k == 0 or _bare(tokens[k - 1]) not in _BE):
            return tokens[k + 1:]
    return []


def _position(tokens: list[str], run: list[str]) -> int | None:
    """Where `run` first occurs in `tokens`, or None."""
    n = len(run)
    return next((j for j in range(len(tokens) - n + 1) if tokens[j:j + n] == run), None)


def _whole_name(tokens: list[str], phrase: list[str]) -> list[str]:
    """The phrase with the capitalised words of the sentence around it that continue its name,
    though the question holds them: "New Glenn" for a question about "a new rocket", "Caroline
    Kennedy" for one naming Robert F. Kennedy Jr, "Great Barrier Reef" for "the largest coral reef"."""
    start = _position(tokens, phrase)
    if start is None or not phrase:
        return phrase
    end = start + len(phrase)
    while start > 0 and _continues_name(tokens[start - 1]) and not _closes(tokens[start - 1]):
        start -= 1
    while end < len(tokens) and _continues_name(tokens[end]) and not _closes(tokens[end - 1]):
        end += 1
    return tokens[start:end]


def _to_comma(run: list[str]) -> list[str]:
    """A run opening with a name ends where the name does, at a comma before an appositive:
    "Sentebale, a British charity" answers with "Sentebale" ("Boulder, Colorado" stays whole)."""
    if not run[0][:1].isupper():
        return run
    end = next((i + 1 for i in range(len(run)) if _ends_name(run, i)), len(run))
    return run[:end]


def _ends_name(run: list[str], i: int) -> bool:
    """Whether the name ends at run[i]: a comma after it and no capitalised word next (an
    appositive: "Kate Middleton, the Duchess of Cambridge"; a place's region continues it:
    "Boulder, Colorado")."""
    return run[i].endswith(",") and not (i + 1 < len(run) and _continues_name(run[i + 1]))


def _continues_name(token: str) -> bool:
    word = _bare(token)
    return token[:1].isupper() and bool(word) and not _is_stop(word) and word not in _EDGE_WORDS


def _closes(token: str) -> bool:
    """A token that ends a clause or a possessive ("Sentebale,", "Trump's"): a name stops there."""
    return bool(re.search(r"[,;:.!?)\]\"”]$|['’]s$", token))


_MONTHS = {"january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
           "november", "december"}
# A place or a person is not a day: "… declared a national emergency along the southern border on
# Monday" answers "where" with "southern border" ("may" is a verb more often than a month).
_DAYS = {"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"} | (_MONTHS - {"may"})
# Lowercase words inside names: "Cumann na mBan", "Ursula von der Leyen", "Luiz Inácio Lula da
# Silva" (a name never ends on one: `_trim`).
_PARTICLES = {"al", "bin", "bint", "da", "das", "de", "del", "della", "der", "di", "dos", "du", "ibn", "la", "le",
              "na", "van", "von"}
_MAGNITUDES = {"thousand", "million", "billion", "trillion", "percent", "%", "per", "cent"}


def _name(run: list[str]) -> list[str]:
    """The name itself: the longest stretch of words holding a capital (joined by stop words,
    followed by its digits) — "Islamic Resistance in Iraq", "Mohammed Shia al-Sudani", "Red No. 3",
    "Abu Ghraib and Jurf Al Nasr" — not the clause around it ("known as the …")."""
    stretches, current, describing = [], [], False
    for i, token in enumerate(run):
        if current and _ends_name(run, i - 1):  # the name ended at its comma: an appositive follows
            stretches.append(current)
            current, describing = [], True
        if describing:  # it describes the name before it ("Kate Middleton, the Duchess of Cambridge,
            describing = not token.endswith(",")  # visited"): no name of its own, up to its comma
            continue
        if any(ch.isupper() for ch in token) or (current and re.search(r"\d", token)):
            current.append(token)
        elif current and (_is_stop(_bare(token)) or _bare(token) in _PARTICLES):
            current.append(token)
        elif current:
            stretches.append(current)
            current = []
    stretches.append(current)
    best = max((_trim(s) for s in stretches), key=len)
    return best or run


def _figure(run: list[str]) -> str:
    """The figure itself: its number with a month before it or a magnitude after it
    ("$65 billion", "January 19", "25%"), not the words around it."""
    i = next(i for i, t in enumerate(run) if re.search(r"\d", t))
    start, end = i, i + 1
    if start > 0 and _bare(run[start - 1]) in _MONTHS:
        start -= 1
    while end < len(run) and (_bare(run[end]) in _MAGNITUDES or
                              (_bare(run[start]) in _MONTHS and re.fullmatch(r"\d{4}", _bare(run[end])))):
        end += 1
    return _join(run[start:end])


# Words that often border an answer without belonging to it.
_EDGE_WORDS = {"has", "have", "had", "is", "are", "was", "were", "be", "been", "about", "around", "roughly",
               "nearly", "approximately", "also", "said", "says", "reportedly"}


def _edge(word: str) -> bool:
    if any(ch.isdigit() for ch in word):  # "Red No. 3": the tokenizer drops lone digits, the answer does not
        return False
    return _is_stop(word) or word in _EDGE_WORDS


def _trim(run: list[str]) -> list[str]:
    while run and _edge(_bare(run[0])):
        run = run[1:]
    while run and (_edge(_bare(run[-1])) or _bare(run[-1]) in _PARTICLES):
        run = run[:-1]
    return run


def _join(run: list[str]) -> str:
    return " ".join(run).strip(" ,;:.!?()[]\"'“”‘’")
