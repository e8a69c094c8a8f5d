"""An adversarial set for the citation check, made from RealTime QA 2025 articles (not a test).

Each case is a claim citing one source: a sentence of a news article with its neighbours (two
before, two after) as the source, as newsqa's evidence gives it. Kinds:
- true: the sentence itself;
- paraphrases, which must be kept: "about" put before a figure, the opening phrase dropped,
  "percent" written "%", a relative clause dropped, the subject name replaced by a pronoun, words
  replaced by common synonyms ("said" → "stated", "more than" → "over", "bought" → "purchased"), a
  titled name shortened to the surname ("Mayor London Breed" → "Breed"), the clauses reordered (a
  closing date moved to the front, an opening time phrase moved to the end, "X said Y" turned into
  "Y, X said"), a possessive turned into "of" ("France's finance minister" → "the finance minister
  of France"), a dollar figure with its unit restated ("$48 million" → "48 million dollars"), a
  relative clause turned into a sentence of its own ("Sunak, who was Truss' rival, is a candidate."
  → "Sunak is a candidate. Sunak was Truss' rival."; the claim's sentences are on lines of their
  own, each citing the source);
- corruptions, which must be refused: two figures swapped, a year swapped with a count (a year
  not part of a full date: "In 2018 he made 22 climbs" → "In 22 he made 2018 climbs"), another
  figure of the same article put in, a magnitude changed (million → billion), a month changed, the
  day of a month changed, a year changed (to another day or year the article names, where it names
  one), a "not" inserted, two names swapped; and names and figures put in another role: the owner
  of a possessive swapped with another name of the sentence ("France's minister said Italy …" →
  "Italy's minister said France …"), a name swapped with a weekday or month ("Hale on Tuesday
  opened the depot at the Riverside yard" → "Hale on Riverside … the Tuesday yard"), the head of
  a relative clause swapped with a name inside it ("Brightway, which Northgate Capital bought" →
  "Northgate Capital, which Brightway bought"), a figure of the sentence put in another figure's
  place ("22 goals in its 30 matches" → "30 goals in its 30 matches"), a figure of the sentence
  put after a label ("Category 3 … August 19" → "Category 19"), and a clock time replaced by a
  year of the article ("at 8:30 a.m." → "at 2024 a.m.").
Cases are drawn with a fixed seed, so the set is the same on every machine; it is built in memory
from ../shared/data and never stored in the repository.
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from newsqa.index.chunking import sentence_spans

PARAPHRASES = ("about", "opening_dropped", "percent_sign", "clause_dropped", "pronoun", "reordered", "reworded",
               "surname", "possessive_of", "unit_restated", "relative_split")
CORRUPTIONS = ("figures_swapped", "year_swapped", "other_figure", "magnitude", "month", "day", "year", "negation",
               "names_swapped", "possessive_swapped", "name_time_swapped", "relative_swapped", "figure_role",
               "label_figure", "clock_year")
KINDS = ("true", *PARAPHRASES, *CORRUPTIONS)

# A figure: not part of a label or a time ("K-2", "COVID-19", "8:30"), never ending in a comma.
_FIGURE = re.compile(r"(?<![\w.,:-])\$?\d(?:[\d,]*\d)?(?:\.\d+)?(?![\w:-])")
_MAGNITUDES = ["thousand", "million", "billion", "trillion"]
_MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December"]
_AUXILIARY = re.compile(r"\b(is|was|are|were|will|has|have|had|can|could|would|should)\b(?! not\b)")
_NEGATED = re.compile(r"\b(not|no|never|n't|without)\b|n't\b", re.IGNORECASE)
# Two or more capitalized words ("McAuliffe" whole), not part of a compound ("Gazette-Mail", "Macy's",
# "Wilkes-Barre Mayor").
_NAME = re.compile(r"(?<!^)(?<![.!?]\s)(?<![-’'])\b[A-Z][a-z]+(?:[A-Z][a-z]+)?"
                   r"(?:\s+[A-Z][a-z]+(?:[A-Z][a-z]+)?)+(?![\w’'-])")
_SUBJECT_NAME = re.compile(r"^([A-Z][a-z]+(?:\s+[A-Z][a-z.]+){1,2})\s+(said|says|told|added|announced|wrote)\b")
_OPENING = re.compile(r"^((?:On|In|At|After|Before|During|Last|This|Earlier|Later|Since|By|Over|For example|"
                      r"Meanwhile|However|Still|Now|Also|Then|Today|Yesterday)\b[^,]{0,40}),\s+(?=[a-zA-Z])")
_RELATIVE = re.compile(r",\s+(which|who)\s+[^,]{5,80},(?!\d)")
_MONTH_NAMES = "(?:" + "|".join(_MONTHS) + r"|(?:Jan|Feb|Aug|Sept|Oct|Nov|Dec)\.)"
_DAY = re.compile(rf"\b{_MONTH_NAMES}\s+(?P<day>[1-9]|[12]\d|3[01])\b(?![,.]?\d)|"
                  rf"\b(?P<day_first>[1-9]|[12]\d|3[01])\s+{_MONTH_NAMES}")
_YEAR = re.compile(r"(?<![\w$.,-])(?:19[5-9]\d|20[0-4]\d)(?![\w%-]|[.,]\d)")
_DATED_YEAR = re.compile(rf"{_MONTH_NAMES}(?:\s+\d{{1,2}})?,?\s*$")  # "June 4, " before a year
_MONTH_ABBREVIATIONS = ["Jan", "Feb", "Mar", "Apr", "Aug", "Sept", "Sep", "Oct", "Nov", "Dec"]
_WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
_WHEN = "(?:" + "|".join(_WEEKDAYS + _MONTHS) + r")(?:\s+\d{1,2})?(?:,\s+\d{4})?"
_CLOSING_DATE = re.compile(rf",?\s+((?:on|in|by|since|until|last|this|next)\s+{_WHEN})\.$")
# A subordinate clause the closing date may belong to: moved to the front it would date the main one.
_SUBORDINATE = re.compile(r",|\b(?:since|after|before|when|while|until|that|which|who|because|as)\b")
_TIME_OR_PLACE = re.compile(
    r"^((?:On\s+(?:the\s+)?(?:" + "|".join(_WEEKDAYS + _MONTHS) + r"|\d|day|night|morning|eve)|"
    r"After|Before|During|Earlier|Later|Since|Today|Yesterday|"
    r"In\s+(?:" + "|".join(_MONTHS) + r"|\d{4}|the past|recent|early|late)|"
    r"(?:Last|This|Next)\s+(?:week|month|year|weekend|summer|winter|spring|fall))\b[^,]{0,40}),\s+"
    r"(?=(?:the|a|an|it|he|she|they|we|his|her|their|its|there)\s|[A-Z][a-z])"
    r"(?!(?:" + "|".join(_MONTHS + _WEEKDAYS) + r")\b)")
_SPEAKER = r"(?:[A-Z][\w.'-]*\s+){0,3}[A-Z][\w.'-]*"
_REPORTED = re.compile(rf"^({_SPEAKER})\s+(said|says|announced)\s+(?:that\s+)?"
                       r"(?!(?:in|on|at|last|this|during|after|before|" + "|".join(_WEEKDAYS + _MONTH_ABBREVIATIONS)
                       + r")\b)(\w.{25,})\.$")
_SAID_AT_END = re.compile(r",\s+[^,]{2,40}\s+(?:said|says|reported|added)\.$")
# "X said A, and has done B": B is X's, so A cannot be moved away from X.
_COORDINATED = re.compile(r"\band\s+(?:has|have|had|is|was|will|would)\b")
# Words and their synonyms in news usage, each way round where both read naturally.
_SYNONYMS = {
    "said": "stated", "says": "states", "announced": "revealed", "more than": "over", "nearly": "almost",
    "began": "started", "begin": "start", "begins": "starts", "bought": "purchased", "buy": "purchase",
    "children": "kids", "help": "assist", "helped": "assisted", "tried": "attempted", "try": "attempt",
    "received": "got", "shows": "indicates", "showed": "indicated", "plans to": "intends to",
    "enough": "sufficient", "big": "large", "large": "big", "many": "numerous", "cars": "vehicles",
    "fired": "dismissed", "ended": "concluded", "quickly": "rapidly", "rose": "increased", "fell": "decreased",
    "jobs": "positions", "chose": "selected", "picked": "selected", "needed": "required", "need": "require",
}
_SYNONYM = re.compile(r"\b(" + "|".join(sorted(map(re.escape, _SYNONYMS), key=len, reverse=True)) + r")\b")
# A person named with a title: the title and first name can go ("Gov. Gavin Newsom" → "Newsom").
_TITLED = re.compile(r"\b(?:Vice President|President|Gov\.|Governor|Mayor|Sen\.|Senator|Rep\.|Judge|Chief|"
                     r"Secretary|Prime Minister|Minister|Coach|Dr\.)\s+[A-Z][a-z]+(?:\s+[A-Z]\.)?\s+([A-Z][a-z]+)\b"
                     r"(?![\w’'-]|\s+[A-Z])")
_PRONOUNS = {"He", "She", "They", "It", "We", "I"}
# One capitalised word inside a sentence (not its first): a name, unless a date word or a title.
_INNER_NAME = re.compile(r"(?<=[a-z,]\s)[A-Z][a-z]{2,}(?:\s+[A-Z][a-z]{2,})*(?![\w’'-])")
_NOT_A_NAME = set(_WEEKDAYS) | set(_MONTHS) | {"The", "This", "That", "These", "Those", "His", "Her", "Their", "Its",
                                               "President", "Governor", "Mayor", "Senator", "Minister", "Prime",
                                               "Editor", "Year", "Day", "Eve", "Mother", "Father", "Valentine",
                                               # "Here's what to know": a contraction, no owner
                                               "Here", "There", "What", "Who", "Where", "That", "Let", "How", "It"}
_POSSESSIVE = re.compile(r"\b([A-Z][a-z]{2,})['’]s\s")
_AFTER_DOLLARS = {"in", "to", "for", "from", "a", "an", "per", "on", "over", "last", "this", "each", "and", "or",
                  "after", "before", "since", "by", "with", "into", "through"}
# What a possessive owns that reads as well with "of" ("France's finance minister" → "the finance
# minister of France").
_OWNED = re.compile(r"\b([A-Z][a-z]{2,})['’]s\s+((?:finance |foreign |defense |prime |health |interior )?"
                    r"(?:minister|government|president|economy|military|army|capital|leader|parliament|police|"
                    r"court|team|coach|office|ambassador|embassy|navy|population|budget|ministry|department|"
                    r"spokesperson|spokesman|spokeswoman|governor|mayor|board|founder|owner|union|chief|"
                    r"largest city|central bank|supreme court|attorney general|legislature|constitution))\b")
# Whole names only: not the end of "Filler-Corn" or "Abdur'Rahman", not "Indian" of "Indian-born".
_RELATIVE_NAMES = re.compile(r"(?<![-’'])\b([A-Z][a-z]{2,}(?:\s+[A-Z][a-z]{2,})*),\s+(?:which|who|whose)\s+[^,.]*?"
                             r"(?<=\s)([A-Z][a-z]{2,}(?:\s+[A-Z][a-z]{2,})*)\b(?![-’'])")
# A name opening the sentence and heading a relative clause that says what it is or did, the
# main verb after it ("Sunak,
# who was Truss' biggest rival in that contest, is another possible candidate").
_SUBJECT_RELATIVE = re.compile(r"^(?:The\s+)?([A-Z][a-z]{2,}(?:\s+[A-Z][a-z]{2,})*),\s+(who|which)\s+"
                               r"((?:is|was|are|were|has|had|have|will|would|can|could|[a-z]+ed|[a-z]+s)\b[^,]{5,80}),"
                               r"\s+(?=[a-z])")
_WEEKDAY_OR_MONTH = re.compile(r"\b(" + "|".join(_WEEKDAYS + _MONTHS) + r")\b")
_LABEL = (r"\b(Category|No\.|Number|Route|Flight|Article|Section|Chapter|Phase|Stage|Round|Game|"
          r"Week|Level|Class|Grade|Title|Proposition|Prop\.|Measure|Tier)\s+")
_LABELLED = re.compile(_LABEL + r"(\d{1,3})\b(?![,.]?\d)")
_LABEL_BEFORE = re.compile(_LABEL + "$")
# Words after a figure that count nothing ("between 15 and 17", "1 in 5", "8 through 12").
_NOT_COUNTED = {"and", "to", "in", "of", "per", "through", "or", "percent", "for", "from", "on", "at", "by", "with",
                "the", "than", "out", "a.m", "p.m"}
_CLAUSE_BREAK = re.compile(r",\s|;\s|\s(?:and|including|while|but|with)\s")
_COUNTED = re.compile(r"(?<![\w.,:$-])(\d{1,3}(?:,\d{3})*)\s+([a-z]{3,})\b")
_CLOCK = re.compile(r"\b(\d{1,2}(?::\d\d)?)\s*(a\.m\.|p\.m\.)")
_DOLLARS = re.compile(r"\$(\d[\d,]*(?:\.\d+)?)(\s+(?:million|billion|trillion))?(?![\w%]|\.\d)")  # not "$1.2billion"
_COMMON_START = re.compile(r"^(?:The|A|An|Several|Some|Many|Most|More|Its|Their|His|Her|Our|This|That|These|Those|"
                           r"Two|Three|Four|Five|Six|Seven|Eight|Nine|Ten)\b")


@dataclass
class Case:
    id: str
    kind: str
    claim: str
    source: str  # the sentence with its neighbours
    sentence: str  # the sentence the claim was made from


def articles(folder: Path, weeks: list[str]) -> list[str]:
    """The texts of those weeks' search-result articles, each once (by URL)."""
    seen: dict[str, str] = {}
    for week in weeks:
        for line in (folder / f"{week}_gcs.jsonl").read_text(encoding="utf-8").splitlines():
            for result in json.loads(line).get("search_result") or []:
                if result.get("url") and result.get("text"):
                    seen.setdefault(result["url"], result["text"])
    return list(seen.values())


def _sentences(text: str) -> list[str]:
    return [" ".join(text[a:b].split()) for a, b in sentence_spans(text)]


def _usable(sentence: str) -> bool:
    words = sentence.split()
    return (10 <= len(words) <= 45 and sentence.endswith(".") and sentence[0].isupper()
            and not re.search(r"[“”\"]|http|@|\|", sentence))


def _figures(sentence: str) -> list[str]:
    return [m.group(0) for m in _FIGURE.finditer(sentence) if not re.fullmatch(r"(19|20)\d\d", m.group(0))]


def _first_upper(text: str) -> str:
    return text[:1].upper() + text[1:]


def _first_lower(text: str) -> str:
    return text[:1].lower() + text[1:]


def _reorderings(sentence: str) -> list[str]:
    """The sentence with its clauses in another order, each way the sentence allows."""
    found = []
    if (match := _CLOSING_DATE.search(sentence)) and not _SUBORDINATE.search(sentence[:match.start()]):
        rest = sentence[:match.start()]
        rest = _first_lower(rest) if _COMMON_START.match(rest) else rest
        found.append(f"{_first_upper(match.group(1))}, {rest.rstrip('.')}.")
    if ((match := _TIME_OR_PLACE.match(sentence)) and len(match.group(1).split()) <= 6
            and not _SUBORDINATE.search(sentence[match.end():]) and not re.search(_WHEN, sentence[match.end():])):
        opening = match.group(1)
        found.append(f"{_first_upper(sentence[match.end():-1])} {_first_lower(opening)}.")
    if ((match := _REPORTED.match(sentence)) and not _SAID_AT_END.search(sentence) and match.group(1) != "Both"
            and not _COORDINATED.search(match.group(3))):
        speaker = match.group(1)
        speaker = speaker.lower() if speaker in _PRONOUNS else speaker
        speaker = _first_lower(speaker) if _COMMON_START.match(speaker) else speaker
        found.append(f"{_first_upper(match.group(3))}, {speaker} {match.group(2)}.")
    return found


def _replace_at(text: str, old: str, new: str, start: int) -> str:
    return text[:start] + new + text[start + len(old):]


def make(kind: str, sentence: str, article_figures: list[str], rng: random.Random,
         article_years: list[str] = ()) -> str | None:
    """The claim of this kind made from the sentence, or None where the sentence offers none.
    `article_figures`: the figures the article states (no years); `article_years`: its years."""
    figures = _figures(sentence)
    if kind == "true":
        return sentence
    if kind == "about":
        match = next((m for m in _FIGURE.finditer(sentence) if m.group(0) in figures), None)
        if match is None or re.search(r"(about|nearly|some|around|over|almost)\s+$", sentence[:match.start()]) \
                or _LABEL_BEFORE.search(sentence[:match.start()]) \
                or re.search(_MONTH_NAMES + r"\s+$", sentence[:match.start()]):  # "No. 12", "Oct. 24": no counts
            return None
        return _replace_at(sentence, match.group(0), f"about {match.group(0)}", match.start())
    if kind == "opening_dropped":
        match = _OPENING.match(sentence)
        if not match or len(match.group(1).split()) > 6:
            return None
        rest = sentence[match.end():]
        return _first_upper(rest)
    if kind == "percent_sign":
        return re.sub(r"(\d) percent\b", r"\1%", sentence) if re.search(r"\d percent\b", sentence) else None
    if kind == "clause_dropped":
        return _RELATIVE.sub("", sentence, count=1) if _RELATIVE.search(sentence) else None
    if kind == "pronoun":
        match = _SUBJECT_NAME.match(sentence)
        return f"They {match.group(2)}{sentence[match.end():]}" if match else None
    if kind == "reordered":
        reorderings = _reorderings(sentence)
        return rng.choice(reorderings) if reorderings else None
    if kind == "surname":
        match = _TITLED.search(sentence)
        if not match:
            return None
        shortened = sentence[:match.start()] + match.group(1) + sentence[match.end():]
        return _first_upper(shortened)
    if kind == "reworded":
        if len(_SYNONYM.findall(sentence)) < 2:
            return None
        return _SYNONYM.sub(lambda m: _SYNONYMS[m.group(1)], sentence, count=3)
    if kind == "figures_swapped":
        distinct = list(dict.fromkeys(figures))
        if len(distinct) < 2:
            return None
        a, b = distinct[:2]
        return re.sub(rf"(?<![\w.,]){re.escape(a)}(?![\w])|(?<![\w.,]){re.escape(b)}(?![\w])",
                      lambda m: b if m.group(0) == a else a, sentence)
    if kind == "year_swapped":
        year = next((m for m in _YEAR.finditer(sentence) if not _DATED_YEAR.search(sentence[:m.start()])), None)
        if year is None or not figures:
            return None
        a, b = year.group(0), figures[0]
        return re.sub(rf"(?<![\w.,$]){re.escape(a)}(?![\w])|(?<![\w.,]){re.escape(b)}(?![\w])",
                      lambda m: b if m.group(0) == a else a, sentence)
    if kind == "other_figure":
        others = [f for f in article_figures if f not in figures and f.lstrip("$") not in sentence]
        match = next((m for m in _FIGURE.finditer(sentence) if m.group(0) in figures), None)
        if not others or match is None:
            return None
        return _replace_at(sentence, match.group(0), rng.choice(others), match.start())
    if kind == "magnitude":
        match = re.search(r"\b(thousand|million|billion|trillion)\b", sentence)
        if not match:
            return None
        swap = {"thousand": "million", "million": "billion", "billion": "million", "trillion": "billion"}
        return _replace_at(sentence, match.group(1), swap[match.group(1)], match.start())
    if kind == "month":
        match = re.search(r"\b(" + "|".join(_MONTHS) + r")\b", sentence)
        if not match:
            return None
        month = _MONTHS[(_MONTHS.index(match.group(1)) + rng.randint(1, 11)) % 12]
        return _replace_at(sentence, match.group(1), month, match.start())
    if kind == "day":
        match = _DAY.search(sentence)
        if not match:
            return None
        day = match.group("day") or match.group("day_first")
        start = match.start("day") if match.group("day") else match.start("day_first")
        return _replace_at(sentence, day, _other(day, [f for f in article_figures if f.isdigit() and 1 <= int(f) <= 31],
                                                 1, 28, rng), start)
    if kind == "year":
        match = _YEAR.search(sentence)
        if not match:
            return None
        year = match.group(0)
        return _replace_at(sentence, year, _other(year, [f for f in article_figures if _YEAR.fullmatch(f)], 1, 3, rng),
                           match.start())
    if kind == "negation":
        match = _AUXILIARY.search(sentence)
        if not match or _NEGATED.search(sentence):
            return None
        return sentence[:match.end()] + " not" + sentence[match.end():]
    if kind == "relative_split":
        match = _SUBJECT_RELATIVE.search(sentence)
        if not match:
            return None
        main = sentence[:match.end(1)] + " " + sentence[match.end():]
        return f"{main}\n{match.group(1)} {match.group(3)}."
    if kind == "possessive_of":
        match = _OWNED.search(sentence)
        if not match or re.search(r"\b(?:the|a|an|its|his|her|their)\s+$", sentence[:match.start()], re.I):
            return None
        article = "The" if match.start() == 0 else "the"
        if not _starts_a_name(sentence, match.start()) or sentence[match.end():].startswith(" of"):
            return None
        return _replace_at(sentence, match.group(0), f"{article} {match.group(2)} of {match.group(1)}", match.start())
    if kind == "unit_restated":
        match = _DOLLARS.search(sentence)
        after = re.match(r"\s*(\w+|[.,;])", sentence[match.end():]) if match else None
        if not match or not after or not (after.group(1) in _AFTER_DOLLARS or after.group(1) in ".,;"):
            return None
        return _replace_at(sentence, match.group(0), f"{match.group(1)}{match.group(2) or ''} dollars", match.start())
    if kind == "possessive_swapped":
        match = _POSSESSIVE.search(sentence)
        if not match or match.group(1) in _NOT_A_NAME or not _starts_a_name(sentence, match.start()):
            return None
        others = [name for name in _inner_names(sentence) if match.group(1) not in name]
        return _swap_words(sentence, match.group(1), others[0]) if others else None
    if kind == "name_time_swapped":
        when = next((m for m in _WEEKDAY_OR_MONTH.finditer(sentence) if _starts_a_name(sentence, m.start())
                     and not sentence[:m.start()].endswith("-")
                     and not sentence[m.end():].startswith("-")  # not "mid-August"
                     and not re.match(r"\s+[A-Z]", sentence[m.end():])), None)  # not "Black Friday", "Friday Night"
        names = [name for name in _inner_names(sentence) if not _WEEKDAY_OR_MONTH.search(name)]
        return _swap_words(sentence, when.group(1), names[0]) if when and names else None
    if kind == "relative_swapped":
        match = _RELATIVE_NAMES.search(sentence)
        if not match or match.group(1) in _NOT_A_NAME or match.group(2) in _NOT_A_NAME \
                or match.group(1) in match.group(2) or match.group(2) in match.group(1):
            return None
        return _swap_words(sentence, match.group(1), match.group(2))
    if kind == "figure_role":
        # As a model merging two clauses writes it: the later figure in the earlier one's place,
        # the clause that gave the later figure left out ("76 total cases, including 76 new
        # cases" → "76 total cases.", on "201 total cases, including 76 new cases").
        counted = [m for m in _COUNTED.finditer(sentence)
                   if not _YEAR.fullmatch(m.group(1)) and m.group(2) not in _NOT_COUNTED]
        for a, b in zip(counted, counted[1:]):
            cut = list(_CLAUSE_BREAK.finditer(sentence, a.end(), b.start()))
            if a.group(1) != b.group(1) and a.group(2) != b.group(2) and cut:
                kept = sentence[:cut[-1].start()].rstrip(" ,;:")
                return _replace_at(kept, a.group(1), b.group(1), a.start(1)) + "."
        return None
    if kind == "label_figure":
        match = _LABELLED.search(sentence)
        if not match:
            return None
        others = [f for f in re.findall(r"(?<![\w.,:$-])\d{1,3}(?![\w:,.-]|[.,]\d)", sentence) if f != match.group(2)]
        return _replace_at(sentence, match.group(2), others[0], match.start(2)) if others else None
    if kind == "clock_year":
        match = _CLOCK.search(sentence)
        if not match:
            return None
        return _replace_at(sentence, match.group(1), rng.choice(list(article_years) or ["2025"]), match.start(1))
    if kind == "names_swapped":
        names = list(dict.fromkeys(m.group(0) for m in _NAME.finditer(sentence)))
        if len(names) < 2 or names[0] in names[1] or names[1] in names[0]:
            return None
        a, b = names[:2]
        return re.sub(rf"{re.escape(a)}|{re.escape(b)}", lambda m: b if m.group(0) == a else a, sentence)
    raise ValueError(kind)


def _starts_a_name(sentence: str, start: int) -> bool:
    """Whether the capitalised word at `start` opens its run: the word before it, if any, is not
    capitalised ("Department" of "U.S. State Department" does not)."""
    before = sentence[:start].split()
    return not before or not before[-1][:1].isupper()


def _inner_names(sentence: str) -> list[str]:
    """Whole runs of capitalised words inside the sentence that are names (no date word or title)."""
    return [m.group(0) for m in _INNER_NAME.finditer(sentence)
            if _starts_a_name(sentence, m.start()) and m.group(0) not in _NOT_A_NAME]


def _swap_words(sentence: str, a: str, b: str) -> str:
    """The sentence with the whole words (or runs) `a` and `b` in each other's places."""
    return re.sub(rf"(?<![\w-]){re.escape(a)}(?![\w-])|(?<![\w-]){re.escape(b)}(?![\w-])",
                  lambda m: b if m.group(0) == a else a, sentence)


def _other(value: str, candidates: list[str], low: int, high: int, rng: random.Random) -> str:
    """Another of the article's `candidates` than `value`, the hardest for a check (the source
    names it too), else `value` moved by `low`..`high`."""
    others = [c for c in candidates if c != value]
    if others:
        return rng.choice(others)
    moved = int(value) + rng.choice((-1, 1)) * rng.randint(low, high)
    return str(moved if 1 <= moved else int(value) + high)


def cases(folder: Path, weeks: list[str], per_kind: int, seed: int = 2025) -> Iterator[Case]:
    """Up to `per_kind` cases of every kind, each from a different sentence, in a fixed order."""
    rng = random.Random(seed)
    texts = articles(folder, weeks)
    rng.shuffle(texts)
    made = {kind: 0 for kind in KINDS}
    used: set[str] = set()
    for a, text in enumerate(texts):
        sentences = _sentences(text)
        article_figures = list(dict.fromkeys(f for s in sentences for f in _figures(s)))
        article_years = list(dict.fromkeys(y for s in sentences for y in _YEAR.findall(s)))
        for i, sentence in enumerate(sentences):
            if not _usable(sentence) or sentence in used:
                continue
            source = " ".join(sentences[max(0, i - 2): i + 3])
            for kind in sorted(KINDS, key=lambda k: made[k]):  # the rarest kinds first
                if made[kind] >= per_kind:
                    continue
                claim = make(kind, sentence, article_figures, rng, article_years)
                if claim and claim != sentence or (claim and kind == "true"):
                    made[kind] += 1
                    used.add(sentence)
                    yield Case(f"{kind}-{made[kind]}", kind, claim, source, sentence)
                    break
        if all(n >= per_kind for n in made.values()):
            return
