"""What a claim states, held to the source sentence it rests on: figures with their magnitudes and
what they count, months and days, polarity, names in their places, and what it quotes.

The word check (verify.py) finds that a source shares a claim's words and figures; these rules
catch the wrong claims that share them all: "$48 billion" where the source says "$48 million",
"in October" where it says "in September", a "not" the source lacks (or one more than it has), two
figures, names or dates swapped, a figure the source gives for something else, words in quotation marks the source does
not say. What the claim repeats of the question (a negation, a figure with what it counts, a
quote) is the asker's premise, not held against the source. Each rule returns the reason it
refuses, or None.

>>> held_to("The bridge will cost $48 billion.", "The bridge will cost $48 million.", "")
'magnitude: the claim says 48 billion, the source 48 million'
>>> held_to("Al-Sudani has not condemned the attacks.", "Al-Sudani has condemned the attacks.", "")
'polarity: the claim says "not", the source does not'
>>> held_to("The US has 2,500 troops in Syria and 900 in Iraq.",
...         "The US has 900 troops in Syria and 2,500 in Iraq.", "") is not None
True
>>> held_to("The bridge will cost about $48 million.", "The bridge will cost $48 million.", "") is None
True
"""

from __future__ import annotations

import re
from collections import Counter
from difflib import SequenceMatcher

from text_to_num import alpha2digit

from newsqa.index.chunking import sentence_spans

_TOKEN = re.compile(r"\$|£|€|%|\d[\d,]*(?:\.\d+)?|[A-Za-z][\w'’-]*")
_FIGURE = re.compile(r"^\d[\d,]*(?:\.\d+)?$")
_MAGNITUDE = {"thousand": "thousand", "million": "million", "billion": "billion", "trillion": "trillion",
              "m": "million", "bn": "billion", "k": "thousand", "%": "%", "percent": "%"}
_MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
           "november", "december")
_NEGATIONS = {"not", "no", "never", "n't", "without", "denied", "denies", "deny", "failed", "fails", "nobody",
              "none", "neither", "nor", "cannot"}
_NAME = re.compile(r"\b[A-Z][a-z]+(?:[ -][A-Z][a-z]+)*\b")
_YEAR = re.compile(r"^(1[89]|20)\d\d$")
# Words around a figure that say what it counts, when they are no content (skipped).
_FILLER = {"the", "a", "an", "of", "and", "or", "in", "on", "at", "to", "for", "by", "with", "than", "more", "less",
           "about", "nearly", "some", "around", "over", "almost", "roughly", "approximately", "up", "least", "just",
           "only", "were", "was", "is", "are", "had", "has", "have", "be", "been", "its", "their", "his", "her",
           "who", "which", "that", "those", "these", "from", "as", "per", "cent", "percent", "will", "would", "can",
           "could", "may", "might", "must", "should", "shall", "did", "do", "does"}


# Spelled-out figures become digits before any rule reads them ("nine hundred" → 900, "two thousand
# five hundred" → 2500; text2num), so that a claim and its source compare whichever way each wrote
# a figure. The magnitude words stay words (the magnitude rule reads them): they are hidden from the
# converter, which would otherwise turn "48 million" into "48 1000000".
_MAGNITUDE_WORD = re.compile(r"\b(million|billion|trillion)(s?)\b", re.IGNORECASE)
_HIDDEN_MAGNITUDE = re.compile(r"Qmag([a-z]+)Q")


def is_year(token: str) -> bool:
    """Whether a number as written is a year: four digits from 1800 to 2099, no comma ("1,950
    people" is a count)."""
    return bool(_YEAR.match(token))


def figures_as_digits(text: str, lone_words: bool = False) -> str:
    """The text with its spelled-out numbers as digits. A lone word up to ten stays a word, as news
    style writes it ("two hours", "one of them"): made digits, it read as a figure of the claim.
    `lone_words` turns those into digits too (to find a claim's 9 written "nine" in its source)."""
    if not any(c.isalpha() for c in text):
        return text
    hidden = _MAGNITUDE_WORD.sub(lambda m: f"Qmag{m.group(1).lower()}Q{m.group(2)}", text)
    return _HIDDEN_MAGNITUDE.sub(r"\1", alpha2digit(hidden, "en", threshold=0 if lone_words else 10))


def held_to(claim: str, sentence: str, source: str, question: str = "") -> str | None:
    """The reason the claim misstates `sentence` (the source sentence it rests on; `source` is
    all the cited evidence; `question` what was asked), or None when no rule finds a fault."""
    clauses, their_clauses = _tokens(claim, clauses=True), _tokens(sentence, clauses=True)
    mine, theirs = [t for t in clauses if t != ","], [t for t in their_clauses if t != ","]
    whole = _tokens(source) if source else theirs
    names = _names(claim)
    opening = _opening_source_name(mine, sentence)
    asked = _tokens(question)
    rules = (lambda: _quoted(claim, whole, asked), lambda: _magnitudes(mine, whole),
             lambda: _months(mine, whole, theirs), lambda: _years(mine, theirs), lambda: _labelled(mine, theirs, whole),
             lambda: _slots(clauses, whole),
             lambda: _polarity(mine, theirs, asked),
             lambda: _swapped(mine, theirs, names, opening), lambda: _figure_places(mine, theirs, names),
             lambda: _taken_places(clauses, their_clauses, _name_words(sentence) | _name_words(claim), source),
             lambda: _figure_roles(clauses, _with_lone_figures(mine, whole, source), asked),
             lambda: _taken_slots(clauses, their_clauses, whole))
    return next((reason for rule in rules if (reason := rule())), None)


def _with_lone_figures(claim: list[str], whole: list[str], source: str) -> list[str]:
    """The source's tokens, with its lone number words as figures where the claim has a figure
    the source only spells out ("8 megabytes" on "32 megabytes … about eight full-quality songs":
    the word check finds the 8, so what it counts must be held to the eight's)."""
    if source and any(f not in whole for _, f in _figures(claim)):
        return _tokens(source, lone_words=True)
    return whole


# Capitalized words that open a sentence or a date and name no one ("On Sunday", "In London").
_NOT_NAMES = {"on", "in", "at", "the", "a", "an", "after", "before", "during", "since", "by", "for", "from", "to",
              "of", "and", "but", "as", "when", "while", "last", "this", "next", "earlier", "later", "until"}
_DATE_WORDS = set(_MONTHS) | {"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"}


def _names(claim: str) -> list[tuple[str, ...]]:
    """The claim's names as token runs: a capitalized run that is not only the word opening the
    sentence ("The"), without the words that open it ("On", "In"); a date is not a name (the date
    rule holds it, and a date moved to the front of a sentence is no swap). The opening word alone
    is a name when it owns something or heads a relative clause (`_opening_name`)."""
    names = []
    for match in _NAME.finditer(claim):
        if not (" " in match.group(0) or "-" in match.group(0) or match.start() > 0
                or _opening_name(claim, match)):
            continue
        run = _tokens(match.group(0))
        while run and run[0] in _NOT_NAMES:
            run = run[1:]
        if run and not all(t in _DATE_WORDS for t in run):
            names.append(tuple(run))
    # A name that owns a name is one too ("Lincoln's Inn"), beside its parts.
    names += [tuple(_tokens(m.group(0))) for m in _NAMED_POSSESSION.finditer(claim)]
    return list(dict.fromkeys(names))


_NAMED_POSSESSION = re.compile(r"\b[A-Z][a-z]+['’]s(?:\s+[A-Z][a-z]+)+\b")


_RELATIVE_HEAD = re.compile(r"['’]s\b|,\s+(?:who|which|whose)\b")


def _opening_name(claim: str, match: re.Match) -> bool:
    """A lone word opening the claim is a name when it owns what follows ("France's minister") or
    heads a relative clause ("Traynor, who …"). Not when it merely stands capitalised inside the
    source too: a clause moved to the front puts a name there ("Diana had her HRH taken away after
    her divorce from Prince Charles") and the swap test would read the move as a swap."""
    return bool(_RELATIVE_HEAD.match(claim, match.end()))


def holds(claim: str, premise: str) -> str | None:
    """`held_to` against the premise's sentence that shares most of the claim's words: for a judge
    that has the cited evidence as one text."""
    sentences = [premise[a:b] for a, b in sentence_spans(premise)] or [premise]
    words = set(_tokens(claim))
    best = max(sentences, key=lambda sentence: len(words & set(_tokens(sentence))))
    return held_to(claim, best, premise)


# A clause mark: a comma (not one inside a figure) or a semicolon.
_CLAUSE_MARK = re.compile(r"(?<!\d),|,(?!\d)|;")
_TOKEN_OR_MARK = re.compile(_CLAUSE_MARK.pattern + "|" + _TOKEN.pattern)


def _figure_token(token: str) -> str:
    """A figure without its commas, except a count that would then read as a year ("1,889
    cases" stays "1,889": `is_year` says a year has no comma)."""
    token = token.rstrip(",")  # a comma after the figure ends a clause
    plain = token.replace(",", "")
    return token if plain != token and _YEAR.match(plain) else plain


def _tokens(text: str, clauses: bool = False, lone_words: bool = False) -> list[str]:
    """The text's words, lower-cased, and figures without their commas; with `clauses`, a ","
    token where a clause ends (what a figure counts does not run past it); with `lone_words`, a
    lone number word as a figure too ("eight songs" → "8 songs")."""
    words = []
    text = figures_as_digits(text, lone_words).replace("’", "'")
    for token in (_TOKEN_OR_MARK if clauses else _TOKEN).findall(text):
        if token in (",", ";"):
            words.append(",")
            continue
        lower = token.lower()
        if lower.endswith("n't"):  # "didn't" → "did", "n't"
            words += [lower[:-3] or "n't", "n't"]
        elif lower.endswith("'s") and len(lower) > 2:  # "France's" → "france", "'s": the name is a name
            words += [lower[:-2], "'s"]
        elif lower.endswith("s'") and len(lower) > 2:  # "Truss'", "the Peacocks' daughters" own too
            words += [lower[:-1], "'s"]
        else:
            words.append(_figure_token(token) if _FIGURE.match(token) else lower)
    return words


# A figure after one of these names something ("Red No. 3", "Route 9", "Article 5"); it counts nothing.
_LABELS = {"no", "number", "route", "flight", "article", "section", "chapter", "phase", "stage", "round", "game",
           "week", "day", "level", "category", "class", "grade", "title", "proposition", "prop", "measure", "bill",
           "act", "amendment", "district", "ward", "precinct", "exit", "interstate", "highway", "gate", "terminal"}
# Words right after a figure that say it counts nothing named there: a verb it is the subject of
# ("$400,000 will help"), or a time phrase ("by 11% last month").
_NOT_COUNTING = {"will", "would", "has", "have", "had", "is", "was", "are", "were", "can", "could", "may", "might",
                 "must", "should", "last", "this", "next", "ago", "earlier", "later"}


# A stretch in double quotes, curly or straight: the claim says someone wrote or said those words.
_QUOTED = re.compile(r"[“\"]([^“”\"]{1,200})[”\"]")


def _quoted(claim: str, source: list[str], asked: list[str]) -> str | None:
    """Words the claim puts in quotation marks are the source's own words, in that order: "EF
    stands for "Extremely Strong"" is no quote of a source that calls a tornado "strong". Words
    the question quotes are the asker's ("calling him a "predator" with "dangerous" views?")."""
    for match in _QUOTED.finditer(claim):
        words = tuple(_tokens(match.group(1)))
        if words and not _contains(source, words) and not _contains(asked, words):
            return f"quote: the source does not say \"{match.group(1).strip()}\""
    return None


def _figures(tokens: list[str], labels: bool = False) -> list[tuple[int, str]]:
    """The figures that count something: not years, labels ("Route 9"; kept with `labels`) or days
    of a month ("May 31", "13 December"), which the date rule holds."""
    return [(i, t) for i, t in enumerate(tokens)
            if _FIGURE.match(t) and not _YEAR.match(t) and (labels or not (i and tokens[i - 1] in _LABELS))
            and not _day_of_month(tokens, i)]


def _day_of_month(tokens: list[str], i: int) -> bool:
    day = tokens[i]
    if not _day(day):
        return False
    return bool(i > 0 and _month_of(tokens[i - 1], day)) or (i + 1 < len(tokens) and tokens[i + 1] in _MONTHS)


def _magnitude_after(tokens: list[str], i: int) -> str:
    nxt = tokens[i + 1] if i + 1 < len(tokens) else ""
    return _MAGNITUDE.get(nxt, "") or _MAGNITUDE.get(nxt.split("-")[0], "")  # "$1 million-a-year"


def _magnitudes(claim: list[str], source: list[str]) -> str | None:
    """A figure's magnitude (thousand/million/billion, %) as the source gives that figure."""
    in_source = _figures(source)
    for i, figure in _figures(claim):
        mine = _magnitude_after(claim, i)
        theirs = {_magnitude_after(source, j) for j, f in in_source if f == figure}
        if theirs and mine not in theirs:
            said = sorted(m for m in theirs if m) or ["(none)"]
            return f"magnitude: the claim says {figure} {mine or '(none)'}, the source {figure} {' or '.join(said)}"
    return _worded_magnitudes(claim, source)


_SCALES = ("thousand", "million", "billion", "trillion")


def _worded_magnitudes(claim: list[str], source: list[str]) -> str | None:
    """A magnitude after a word ("one million", "a quarter million", "eight million": news style
    keeps a lone number word a word) as the source gives it after the same word."""
    claim, source = _scale_words(claim), _scale_words(source)
    for i, word in enumerate(claim):
        if word not in _SCALES or not i or _FIGURE.match(claim[i - 1]):
            continue
        before = claim[i - 1]
        theirs = {source[j + 1] for j in range(len(source) - 1) if source[j] == before and source[j + 1] in _SCALES}
        if theirs and word not in theirs:
            return f"magnitude: the claim says {before} {word}, the source {before} {' or '.join(sorted(theirs))}"
    return None


def _scale_words(tokens: list[str]) -> list[str]:
    """The tokens with their scale words apart: "quarter-million" → "quarter", "million";
    "million-megapixel" → "million", "megapixel"; a lone "1000" (the converter's "thousand" after
    a word: "several thousand") → "thousand"."""
    out = []
    for j, token in enumerate(tokens):
        parts = token.split("-")
        if len(parts) > 1 and any(part in _SCALES for part in parts):
            out += [part for part in parts if part]
        elif token == "1000" and j and not _FIGURE.match(tokens[j - 1]):
            out.append("thousand")
        else:
            out.append(token)
    return out


# News style's abbreviated months ("Nov. 6", "Sept. 7-8"); months only before a day, since "Jan"
# is also a name.
_ABBREVIATED = {"jan": "january", "feb": "february", "aug": "august", "sep": "september", "sept": "september",
                "oct": "october", "nov": "november", "dec": "december"}


def _month_of(token: str, after: str = "") -> str:
    """The month a token names, also inside "mid-December", "early-March", "October's", and
    abbreviated before a day (`after`: the next token)."""
    month = token.rsplit("-", 1)[-1].removesuffix("'s")
    if month in _MONTHS:
        return month
    return _ABBREVIATED.get(token, "") if _day(after) else ""


def _day(token: str) -> bool:
    return token.isdigit() and 1 <= int(token) <= 31


_BEFORE_A_MONTH = {"in", "since", "until", "by", "of", "last", "this", "next", "early", "late", "mid", "through",
                   "from", "to", "during"}


def _months(claim: list[str], source: list[str], sentence: list[str]) -> str | None:
    """Months (with their day, where the claim gives one) as the source states them; and, where
    the sentence the claim rests on names a month, as that sentence states them: "a report in
    January" on "a report in October" is no support because a neighbour says January."""
    claim_months, source_months = _months_in(claim), _months_in(source)
    in_sentence = set(_months_in(sentence))
    others = in_sentence - set(claim_months)  # the sentence's months the claim lacks
    source_days, sentence_days = set(_named_days(source, source_months)), _named_days(sentence)
    claim_days = _named_days(claim, claim_months)
    for i, (token, word) in enumerate(zip(claim, claim_months)):
        if not word:
            continue
        if word not in source_months:
            return f"date: the source does not say {word.capitalize()}"
        modal = token == "may" and not (i + 1 < len(claim) and claim[i + 1].isdigit()) \
            and not (i and claim[i - 1] in _BEFORE_A_MONTH)  # "prices may rise", not "in May"
        if not modal and word not in in_sentence and others:
            return f"date: the source says {sorted(others)[0].capitalize()}, not {word.capitalize()}"
        after = claim[i + 1] if i + 1 < len(claim) and claim[i + 1].isdigit() else None
        before = claim[i - 1] if i and _day(claim[i - 1]) else None  # "9 January 2002"
        for day, shown in ((after, f"{word.capitalize()} {after}"), (before, f"{before} {word.capitalize()}")):
            if day is None:
                continue
            if (word, day) not in source_days:
                return f"date: the source does not say {shown}"
            # As a month, a day is held to the claim's own sentence where that names another.
            if (word, day) not in sentence_days and (other := _other_date(claim_days, sentence_days)):
                return f"date: the source says {other}, not {shown}"
    return None


def _other_date(claim_days: list[tuple[str, str]], sentence_days: list[tuple[str, str]]) -> str:
    """A day of a month the sentence names and the claim does not, as "November 15", or ""."""
    return next((f"{month.capitalize()} {day}" for month, day in sentence_days
                 if _day(day) and (month, day) not in claim_days), "")


def _years(claim: list[str], sentence: list[str]) -> str | None:
    """Years as the claim's own sentence states them, where it names any: a year it does not name,
    or names fewer times, while it names another the claim lacks ("in 2017 and early 2017" on "in
    2016 and early 2017"; a neighbour's year put in)."""
    theirs = Counter(t for t in sentence if _YEAR.match(t))
    mine = Counter(t for t in claim if _YEAR.match(t))
    lacking = [year for year in theirs if year not in mine]
    wrong = [year for year, n in mine.items() if n > theirs[year]]
    if wrong and lacking:
        return f"date: the source says {lacking[0]}, not {wrong[0]}"
    return None


def _labelled(claim: list[str], sentence: list[str], source: list[str]) -> str | None:
    """A figure after a label ("Category 4", "Game 6", "No. 2 seed") is the one the source puts
    after that label: "Category 28" where the source says "Category 4 … September 28" names no
    storm; and a labelled figure the claim gives more often than its sentence does, while the
    sentence labels another the claim lacks ("the No. 2 seed upsets the No. 2 seed" on "No. 7 …
    No. 2"), is one moved into another's place."""
    mine, theirs = Counter(_label_pairs(claim)), Counter(_label_pairs(sentence))
    anywhere = set(_label_pairs(source))
    for label, figure in mine:
        if (label, figure) not in anywhere:
            said = sorted(f for lab, f in theirs if lab == label)
            shown = f"{'No.' if label == 'no' else label.capitalize()}"
            return (f"figure: the source has {shown} {' or '.join(said)}, not {shown} {figure}" if said
                    else f"figure: the source has no {shown} {figure}")
    wrong = [pair for pair, n in mine.items() if n > theirs[pair]]
    lacking = [pair for pair, n in theirs.items() if n > mine[pair]]
    if wrong and lacking:
        return f"figure: the source labels {lacking[0][1]} where the claim repeats {wrong[0][1]}"
    return None


def _slots(claim: list[str], source: list[str]) -> str | None:
    """A clock time is one the source gives as a clock time, never a year ("at 2024 a.m."); and a
    count never stands where the source has a year ("built in 60,000" on "Built in 1998, the
    stadium seats 60,000 fans")."""
    clocks = {source[j - 1] for j in _clock_marks(source)}
    for j in _clock_marks(claim):
        figure = claim[j - 1]
        if _YEAR.match(figure) or figure not in clocks:
            return f"figure: the source gives no clock time {figure}" + (" (a year)" if _YEAR.match(figure) else "")
    years_after = {(source[j - 1], t) for j, t in enumerate(source) if j and _YEAR.match(t)}
    for j, t in enumerate(claim):
        ends = j + 1 == len(claim) or claim[j + 1] in (",", "and")
        if j and claim[j - 1] in _YEAR_SLOT and _FIGURE.match(t) and not _YEAR.match(t) and ends:
            said = sorted(y for word, y in years_after if word == claim[j - 1])
            if said:
                return f"figure: the source has {claim[j - 1]} {said[0]}, not {claim[j - 1]} {t}"
    return None


_YEAR_SLOT = {"in", "since", "until", "by"}


def _clock_marks(tokens: list[str]) -> list[int]:
    """Where "a.m." or "p.m." begins (as tokens "a", "m" or "p", "m") after a figure."""
    return [j for j in range(1, len(tokens) - 1)
            if tokens[j] in ("a", "p") and tokens[j + 1] == "m" and _FIGURE.match(tokens[j - 1])]


def _label_pairs(tokens: list[str]) -> list[tuple[str, str]]:
    return [(tokens[i - 1], t) for i, t in enumerate(tokens) if i and tokens[i - 1] in _LABELS and _FIGURE.match(t)]


def _months_in(tokens: list[str]) -> list[str]:
    """The month each token names, or ""."""
    return [_month_of(t, tokens[j + 1] if j + 1 < len(tokens) else "") for j, t in enumerate(tokens)]


def _named_days(tokens: list[str], months: list[str] | None = None) -> list[tuple[str, str]]:
    """(month, the token after it, then the one before it) for each month the tokens name, in
    order: "March 10" and "10 March" both give ("march", "10"). `months`: `_months_in(tokens)`,
    where the caller has it."""
    months = _months_in(tokens) if months is None else months
    return [(month, tokens[k]) for j, month in enumerate(months) if month
            for k in (j + 1, j - 1) if 0 <= k < len(tokens)]


def _polarity(claim: list[str], sentence: list[str], asked: list[str]) -> str | None:
    """A negation in the claim that the source sentence lacks, or the reverse. A negation the
    question holds is the asker's premise, not the claim's ("Which company said its CEO was
    ousted without board approval?")."""
    mine = [t for t in _negations(claim) if t not in asked]
    theirs = _negations(sentence)
    if mine and not theirs:
        return f'polarity: the claim says "{sorted(mine)[0]}", the source does not'
    if len(mine) > len(theirs):  # a "not" added beside the sentence's own "aren't"
        return f'polarity: the claim says "{sorted(mine)[0]}" {len(mine)} times, the source {len(theirs)}'
    if theirs and not mine and _overlap(claim, sentence) >= 0.6 and _negates_what_is_claimed(claim, sentence):
        return f'polarity: the source says "{sorted(theirs)[0]}", the claim does not'
    return None


def _negations(tokens: list[str]) -> list[str]:
    """The tokens that negate; "no" before a figure is a label ("At No. 14"), not one."""
    return [t for j, t in enumerate(tokens) if t in _NEGATIONS
            and not (t == "no" and j + 1 < len(tokens) and _FIGURE.match(tokens[j + 1]))]


def _negates_what_is_claimed(claim: list[str], sentence: list[str]) -> bool:
    """Whether a negation of the sentence bears on words the claim repeats: the content word it
    negates (the first after it; before it, at the sentence's end) shares a stem with the claim's,
    and so does one of the few before it where there are any. A negation in a part the claim leaves
    out ("New Jersey, which doesn't have board representation, …"; "Waste Management collects
    recycling" on "Waste Management, which collects recycling, argues the city can't cut
    recycling"; a headline run into the sentence, "No exceptions Back in 2019, a bill …") is no
    flip."""
    stems = {w[:5] for w in _content(claim)}
    for j, token in enumerate(sentence):
        if token not in _NEGATIONS:
            continue
        near = _content(sentence[j + 1: j + 4])[:1] or _content(sentence[max(0, j - 3): j])[-1:]
        before = _content(sentence[max(0, j - 3): j])
        if any(w[:5] in stems for w in near) and (not before or any(w[:5] in stems for w in before)):
            return True
    return False


def _opening_source_name(claim: list[str], sentence: str) -> tuple[str, ...] | None:
    """The word opening the claim, where the source sentence writes it as a name inside it: it may
    have traded places with a weekday or a month ("Alexandria for a trip to Monday" on "Monday for
    a trip to Alexandria"). Only a date may take its place: a name opening a claim is as often a
    clause moved to the front (`_opening_name`)."""
    return (claim[0],) if claim and claim[0] in _name_words(sentence) else None


def _swapped(claim: list[str], sentence: list[str], names: list[tuple[str, ...]],
             opening: tuple[str, ...] | None = None) -> str | None:
    """Two figures, two names or two dates that stand in each other's places in the source sentence.
    `opening`: the claim's first word where the source has it as a name, tried against dates only."""
    # Labels count here too: "the No. 5 seed Chargers" and "No. 4 seed Texans" swapped are wrong.
    figures = list(dict.fromkeys(f for _, f in _figures(claim, labels=True) + _undated_years(claim) if f in sentence))
    names = list(dict.fromkeys(found for n in names if (found := _named_in(sentence, n))))
    # A weekday or a month alone stands in a time phrase: a name put there, and it where the name
    # was, is a swap too ("Hale on Riverside opened the depot at the Tuesday yard").
    names += list(dict.fromkeys((t,) for t in claim if t in _DATE_WORDS and t in sentence
                                and names and not any(t in name for name in names)))  # not "Easter Sunday"
    dates = list(dict.fromkeys(d for d in _dates(claim) if _contains(sentence, d)))
    base = _similarity(claim, sentence)
    for date in (t for t in dict.fromkeys(claim) if opening and t in _DATE_WORDS and t in sentence):
        if _similarity(_swap(claim, opening, (date,)), sentence) > base + 0.02:
            return f"date: the source has {opening[0].capitalize()} where the claim puts {date.capitalize()}"
    for kind, items in (("figures", figures), ("names", names), ("dates", dates)):
        for a_index, a in enumerate(items):
            for b in items[a_index + 1:]:
                if kind == "names" and (_only_within(claim, a, b) or _only_within(claim, b, a)):
                    continue  # "Office" only in "General's Office" is one name: no swap between them
                if (kind == "names" and not _a_date_word(a, b)
                        and _passive_between(claim, a, b) != _passive_between(sentence, a, b)):
                    continue  # "A was sued by B" says what "B sued A" does: order proves nothing
                swapped = _swap(claim, a, b)
                if _similarity(swapped, sentence) > base + 0.02:
                    shown = (a, b) if kind == "figures" else (" ".join(a), " ".join(b))
                    if kind == "dates":
                        return f"date: the source has {shown[0]} and {shown[1]} the other way round"
                    return f"{kind} swapped: the source has {shown[0]} and {shown[1]} the other way round"
    return None


def _undated_years(tokens: list[str]) -> list[tuple[int, str]]:
    """The years not part of a full date ("in 2018", not "June 4, 2025" or "June 2025"): a year
    and a count can trade places ("In 22 he made 2018 climbs"), a date's year moves with its date."""
    months = _months_in(tokens)

    def dated(i: int) -> bool:  # "June 2025", "June 4, 2025" (the comma is no token), "4 June 2025"
        return bool(i and months[i - 1]) or (i > 1 and _day(tokens[i - 1]) and bool(months[i - 2]))

    return [(i, t) for i, t in enumerate(tokens) if _YEAR.match(t) and not dated(i)]


def _dates(tokens: list[str]) -> list[tuple[str, str]]:
    """The days of a month the tokens name, as (month, day) runs: "March 10"."""
    return [(t, day) for t, day in zip(tokens, tokens[1:]) if _day(day) and _month_of(t, day)]


def _named_in(sentence: list[str], name: tuple[str, ...]) -> tuple[str, ...] | None:
    """The name as the sentence has it: whole, else its longest part of two words or more that
    the sentence holds. A name swapped next to title words merges with them in the claim
    ("District North Carolina", "Eco Rod Newman") and would otherwise go unseen."""
    if _contains(sentence, name):
        return name
    for size in range(len(name) - 1, 1, -1):
        for start in range(len(name) - size + 1):
            if _contains(sentence, name[start:start + size]):
                return name[start:start + size]
    return None


def _figure_places(claim: list[str], sentence: list[str], names: list[tuple[str, ...]]) -> str | None:
    """A figure put at a place (a name just after it) that the source sentence gives another
    figure: "2,500 troops in Syria" where the source has "900 troops in Syria and 2,500 in Iraq"."""
    in_sentence = _figures(sentence)
    for i, figure in _figures(claim):
        if figure not in sentence:  # a figure of another sentence: not this rule's to judge
            continue
        for name in names:
            if not _contains(claim[i + 1: i + 7], name):
                continue
            own = [j for j, f in in_sentence if f == figure and _contains(sentence[j + 1: j + 10], name)]
            other = [f for j, f in in_sentence if f != figure and _contains(sentence[j + 1: j + 4], name)]
            if not own and other:
                return f"figure: the source gives {other[0]} for {' '.join(name)}, not {figure}"
    return None


def _only_within(tokens: list[str], part: tuple[str, ...], whole: tuple[str, ...]) -> bool:
    """Whether the run `part` stands in the tokens only inside the run `whole` ("Office" in "the
    Attorney General's Office said"; not "The Venetian, which included Venetian Resort")."""
    inside = _count(list(whole), part)
    return inside > 0 and _count(tokens, part) <= _count(tokens, whole) * inside


def _count(tokens: list[str], run: tuple[str, ...]) -> int:
    return sum(tuple(tokens[j:j + len(run)]) == run for j in range(len(tokens) - len(run) + 1))


def _a_date_word(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    """Whether one of the two is a weekday or a month alone: a passive does not let a name and a
    date trade places ("out at Monday on Science Museum Oklahoma afternoon")."""
    return any(len(run) == 1 and run[0] in _DATE_WORDS for run in (a, b))


def _passive_between(tokens: list[str], a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    """"by" between the two names where they stand nearest each other: a passive sentence, whose
    order of names is not its roles'. The nearest: a headline before the sentence may name one of
    them again ("Crowd at Science Museum Oklahoma wowed by eclipse Dozens … at Science Museum
    Oklahoma on Monday")."""
    starts = {run: [j for j in range(len(tokens)) if tuple(tokens[j:j + len(run)]) == run] for run in (a, b)}
    pairs = sorted((abs(i - j), min(i, j), max(i, j)) for i in starts[a] for j in starts[b])
    return bool(pairs) and "by" in tokens[pairs[0][1]:pairs[0][2]]


def _figure_roles(claim: list[str], source: list[str], asked: list[str]) -> str | None:
    """A figure the source gives for something else: the words that say what it counts in the
    claim (the first two after it) are not near that figure anywhere in the source. A figure
    the question gives with those words is the asker's premise ("Which state is working to contain
    a measles outbreak that has grown to at least 159 cases?")."""
    in_source = _figures(source)
    premises = {(f, tuple(_content(asked[j + 1: j + 8])[:2])) for j, f in _figures(asked)}
    for i, figure in _figures(claim):
        clause = claim[i + 1: i + 8]
        clause = clause[: clause.index(",")] if "," in clause else clause
        clause = next((clause[:k] for k, t in enumerate(clause) if _FIGURE.match(t)), clause)  # not the next figure's
        scale = 1 if clause and clause[0] in _MAGNITUDE else 0
        if len(clause) > scale and clause[scale] in _NOT_COUNTING:
            continue  # "$400,000 will help", "cut the budget by 11% last month": nothing counted
        symbol = _CURRENCY.get(clause[scale]) if len(clause) > scale else None
        if symbol and symbol in _before_figure(source, figure):
            clause = clause[:scale] + clause[scale + 1:]  # "48 million dollars" restates the source's "$48 million"
        following = tuple(_content(clause)[:2])
        counted = set(following)
        if not counted or (figure, following) in premises:
            continue
        places = [j for j, f in in_source if f == figure]
        if _in_its_own_slot(claim, i, source, places, counted, in_source):
            continue  # "added 147,000 positions" on "added 147,000 jobs": a word reworded in place
        attached = set([w for w in _counted_after(claim, i) if w not in _CURRENCY_STEMS][:1])
        if places and not any(_counts_the_same(source, j, counted, attached) for j in places):
            return f"figure: {figure} in the source is not about {' '.join(sorted(counted))}"
    return None


def _in_its_own_slot(claim: list[str], i: int, source: list[str], places: list[int], counted: set[str],
                     in_source: list[tuple[int, str]]) -> bool:
    """Whether the claim's figure at `i` stands where the source has it (the content word before it
    is the one before it there) and counts nothing another figure of the source counts: its words
    after it are then the source's said in other words ("support over 342,000 positions" on
    "support more than 342,000 jobs"), not another figure's."""
    before = _word_before(claim, i)
    if not before or not any(_word_before(source, j) == before for j in places):
        return False
    others = {w for j, f in in_source if j not in places for w in _counted_after(source, j)}
    return not counted & others


def _word_before(tokens: list[str], i: int) -> str:
    """The nearest content word in the four tokens before `i`, none past another figure."""
    for token in reversed(tokens[max(0, i - 4): i]):
        if _FIGURE.match(token) or token == ",":
            return ""
        if content := _content([token]):
            return content[0]
    return ""


def _counts_the_same(source: list[str], j: int, counted: set[str], attached: set[str]) -> bool:
    """Whether the source's figure at `j` counts what the claim's does. Where words right after it
    say what it counts, those must be among the claim's (`counted`), and the word the claim puts
    right after its figure (`attached`: "public" of "2,700 public trees") must be there or just
    before it;
    else (its noun left out: "and 2,500 in Iraq") the claim's words must be near it."""
    own = _counted_after(source, j)
    if own:
        return bool(counted & set(own)) and attached <= set(own) | _just_before(source, j)
    return bool(counted & (set(_content(source[max(0, j - 4): j])) | set(_content(source[j + 1: j + 10])[:4])))


def _just_before(tokens: list[str], j: int) -> set[str]:
    """The content words of the few tokens before the figure at `j` that are not what an earlier
    figure counts ("201 total cases, including 76 new cases": "total" is 201's, not 76's)."""
    start = max(0, j - 4)
    earlier = [k for k in range(start, j) if _FIGURE.match(tokens[k])]
    theirs = set(_counted_after(tokens, earlier[-1])) if earlier else set()
    return set(_content(tokens[start:j])) - theirs


def _counted_after(tokens: list[str], j: int) -> list[str]:
    """What the figure at `j` counts when the words right after it say ("22 goals in its 30
    matches": 30 counts matches, not goals): its content words up to a clause mark, a filler word
    or another figure (magnitudes and one-letter tokens skipped). Nothing when it is followed by a
    preposition ("900 troops in Syria and 2,500 in Iraq": 2,500 counts troops, said before it)."""
    if j + 1 < len(tokens) and tokens[j + 1] == "%":
        return []  # a share: what it is a share of is said elsewhere ("47% said she is not")
    k = j + 1
    while k < len(tokens) and tokens[k] in _MAGNITUDE:
        k += 1
    words = []
    while k < len(tokens) and len(words) < 2:
        token = tokens[k]
        if token in (",", "$", "£", "€", "'s") or token in _FILLER or token in _SAYING or _FIGURE.match(token):
            break
        if len(token) > 1:
            words.append(_stem(token))
        k += 1
    return words


_CURRENCY = {"dollar": "$", "dollars": "$", "pound": "£", "pounds": "£", "euro": "€", "euros": "€"}
_CURRENCY_STEMS = {"dollar", "pound", "euro"}
# Verbs that follow a figure standing for people ("47 said", "300 died"): no counted noun.
_SAYING = {"said", "say", "says", "stated", "state", "states", "told", "reported", "died", "voted", "agreed"}


def _before_figure(tokens: list[str], figure: str) -> set[str]:
    """The tokens just before each place the figure stands ("$" of "$48")."""
    return {tokens[j - 1] for j, t in enumerate(tokens) if t == figure and j}


def _content(tokens: list[str]) -> list[str]:
    """The content words of a stretch of tokens, in order, crudely stemmed."""
    return [_stem(t) for t in tokens if len(t) > 1 and t not in _FILLER and t not in _MAGNITUDE
            and not _FIGURE.match(t) and t not in ("$", "£", "€")]


def _stem(word: str) -> str:
    for suffix in ("ies", "es", "s"):
        if word.endswith(suffix) and len(word) > len(suffix) + 2:
            return word[: -len(suffix)] + ("y" if suffix == "ies" else "")
    return word


def _contains(tokens: list[str], run: tuple[str, ...]) -> bool:
    n = len(run)
    return any(tuple(tokens[j:j + n]) == run for j in range(len(tokens) - n + 1))


def _swap(tokens: list[str], a: str | tuple[str, ...], b: str | tuple[str, ...]) -> list[str]:
    run_a = a if isinstance(a, tuple) else (a,)
    run_b = b if isinstance(b, tuple) else (b,)
    out, j = [], 0
    while j < len(tokens):
        if tuple(tokens[j:j + len(run_a)]) == run_a:
            out += run_b
            j += len(run_a)
        elif tuple(tokens[j:j + len(run_b)]) == run_b:
            out += run_a
            j += len(run_b)
        else:
            out.append(tokens[j])
            j += 1
    return out


def _similarity(a: list[str], b: list[str]) -> float:
    return SequenceMatcher(None, a, b, autojunk=False).ratio()


def _overlap(claim: list[str], sentence: list[str]) -> float:
    words = set(claim)
    return len(words & set(sentence)) / len(words) if words else 0.0


# Words capitalised inside a sentence (not only at its start) that are no date word: its names.
_CAPITALISED = re.compile(r"(?<=[\w,;:)’'\"”]\s)[A-Z][\w’'-]*")


def _name_words(sentence: str) -> set[str]:
    """The sentence's name words, lower-cased as tokens are: each word capitalised inside it, and
    the word opening it where it owns something or heads a relative clause ("Canada's Mike Weir",
    "Sunak, who …")."""
    found = [match.group(0) for match in _CAPITALISED.finditer(sentence)]
    if (opening := _NAME.match(sentence)) and _opening_name(sentence, opening):
        found.append(opening.group(0))
    return {token for word in found for token in _tokens(word)[:1]
            if token not in _DATE_WORDS and token not in _FILLER and token not in _NOT_NAMES}


def _taken_places(claim: list[str], sentence: list[str], name_words: set[str], source: str = "") -> str | None:
    """A name or a weekday or month standing exactly where the sentence has another word (the
    same word before and after it) while the sentence never puts it there: "Hale on Riverside
    opened the depot at the Tuesday yard", "Kevin's Mike Weir … his playing partner Canada Na",
    "Kelly 9, 1983:" on "June 9, 1983: … Kelly decided". Held to names and date words: a
    paraphrase rewords common words in place, it does not move a name into another's place.
    `name_words`: the sentence's and the claim's (`_name_words`); `source`: all the cited evidence,
    where the claim's word may stand in that place in another sentence (a claim may run over two)."""
    places, evidence_places = _places(sentence), None
    for i, token in enumerate(claim):
        role = "date" if token in _DATE_WORDS else "name" if token in name_words else ""
        if not role or (role == "date" and i and claim[i - 1] in _TIME_PREPOSITIONS):
            continue  # "… in California in September": a date after "in" still says when
        if not 0 < i < len(claim) - 1 or claim[i - 1] == claim[i + 1] == ",":
            continue  # a claim may open or end where its sentence does not; ", Donalds, R-Fla." holds no place
        context = (claim[i - 1], claim[i + 1])
        if "," in context and all(word in _FILLER or word == "," for word in context):
            continue  # "of China, according" is no place "end of December, the app" puts December in
        there = places.get(context, set())
        if not there or token in there:
            continue
        other = next((word for word in sorted(there) if word in _DATE_WORDS or word in name_words), None)
        if other and source:
            evidence_places = evidence_places or _places(_tokens(source, clauses=True))  # read once, when needed
            if token in evidence_places.get(context, set()):
                continue
        if other:
            return f"{role}: the source has {other.capitalize()} where the claim puts {token.capitalize()}"
    return None


# Words before a date word that keep it saying when ("of" does not: "on behalf of Wednesday Origin").
_TIME_PREPOSITIONS = (_BEFORE_A_MONTH - {"of"}) | {"on", "at", "every", "each", "before", "after"}


def _places(tokens: list[str]) -> dict[tuple[str, str], set[str]]:
    """Each word of the tokens by the words around it: (before, after) → the words standing there."""
    found: dict[tuple[str, str], set[str]] = {}
    for j, token in enumerate(tokens):
        context = (tokens[j - 1] if j else "", tokens[j + 1] if j + 1 < len(tokens) else "")
        found.setdefault(context, set()).add(token)
    return found


def _taken_slots(claim: list[str], sentence: list[str], source: list[str]) -> str | None:
    """A figure put where the sentence has another one, with what that one counts: "The Dodgers
    have used 11 starters" on "have used 17 starters this year, and 11 have gone on the injured
    list"; "stretches about 14 miles" on "about 2,200 miles, through 14 states". The claim's figure
    stands before the words the sentence puts after another figure, the source never puts it before
    them, and the claim leaves out what the sentence says of it instead. A figure whose noun the
    sentence leaves out keeps its own words in the claim ("2,500 troops in Iraq" on "900 troops in
    Syria and 2,500 in Iraq"), so it is kept."""
    in_sentence = _figures(sentence, labels=True)  # "Title 42" is no count of incidents
    claimed = set(_content(claim))
    for i, figure in _figures(claim):
        said = _said_after(claim, i)
        places = [j for j, f in in_sentence if f == figure]
        if said and said[0] not in _ORDINAL and _only_a_day(source, figure):
            return f"figure: the source gives {figure} as a day of a month, not for {' '.join(said)}"
        if not said or not places or any(f == figure and _said_after(source, j)[:len(said)] == said
                                         for j, f in _figures(source, labels=True)):
            continue
        others = [j for j, f in in_sentence if f != figure and _said_after(sentence, j)[:len(said)] == said]
        theirs = {w for j in others for w in _clause_after(sentence, j)}
        if others and not any(_rest_kept(_clause_after(sentence, j), theirs, claimed, _a_difference(sentence, j))
                              for j in places):
            other = sentence[others[0]]
            return f"figure: the source gives {other} for {' '.join(said)}, and {figure} for something else"
    return None


_ORDINAL = {"th", "st", "nd", "rd"}


def _only_a_day(tokens: list[str], figure: str) -> bool:
    """Whether the tokens give the figure only as a day of a month ("Sept. 11", "April 15")."""
    places = [j for j, t in enumerate(tokens) if t == figure]
    return bool(places) and all(_day_of_month(tokens, j) for j in places)


def _a_difference(tokens: list[str], j: int) -> bool:
    return j + 1 < len(tokens) and tokens[j + 1] in ("more", "less", "fewer", "than", "higher", "lower")


def _said_after(tokens: list[str], i: int) -> tuple[str, ...]:
    """The first two content words after the figure at `i`, in its clause, before another figure."""
    return tuple(_clause_after(tokens, i)[:2])


def _clause_after(tokens: list[str], i: int) -> list[str]:
    """The content words after the figure at `i` up to a clause mark or the next figure (eight
    tokens at most)."""
    after = []
    for token in tokens[i + 1: i + 9]:
        if token == "," or _FIGURE.match(token):
            break
        after.append(token)
    return _content(after)


def _rest_kept(own: list[str], theirs: set[str], claimed: set[str], difference: bool) -> bool:
    """Whether the claim keeps what the sentence says of its figure: at least half of the words
    after it that the other figure's clause does not also have (at most four); nothing of its own
    to keep is no proof of a move, unless the figure is a difference (`difference`)."""
    distinct = [w for w in own if w not in theirs][:4]
    if not distinct:
        return not difference  # "over 1,300 less than in 2020" counts no registrations
    return 2 * sum(w in claimed for w in distinct) >= len(distinct)
