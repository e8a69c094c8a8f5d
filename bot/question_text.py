"""What a question says, read once: the asker's words without the chat around them.

People in chat do not type benchmark questions: "hey bot, quick question: how many us troops r in
syria 🤔 (asking for a friend)". The greeting, the bot's mention, the emoji, the aside in
parentheses and the thanks say nothing about the news, yet they reach the search, the prompt and
the check, where a number in "(reader 0)" becomes a figure the source must state and a greeting
throws the small model. `plain_question` sets them apart and reads common chat spellings, so that
every step after it (condense, time window, search, evidence, prompt, check) reads the content;
the asker's own words stay on the Answer and in the conversation.

>>> plain_question("hey bot, quick question: how many U.S. troops are stationed in Syria?")
'How many U.S. troops are stationed in Syria?'
>>> plain_question("How many U.S. troops are stationed in Syria? (reader 0)")
'How many U.S. troops are stationed in Syria?'
>>> plain_question("how many us troops r stationed in syria 🤔")
'How many U.S. troops are stationed in syria?'
>>> plain_question("<@1234567890> who won the port strike?? thanks!")
'Who won the port strike??'
>>> plain_question("who leads the African National Congress (ANC)")
'Who leads the African National Congress (ANC)?'
>>> plain_question("I was reading the news this morning. How many U.S. troops are in Syria?")
'How many U.S. troops are in Syria?'
"""

from __future__ import annotations

import re
import unicodedata

# Said to the bot, not about the news: a greeting, the bot's name, "quick question:", "can you tell me".
_OPENERS = [
    r"(?:hey|hi|hello|hiya|yo|ok|okay|so|um+|uh+|dear|good (?:morning|afternoon|evening)|thanks|thank you|thx)"
    r"\b[\s,!.:;-]*",
    r"@?(?:newsqa|news ?bot|bot)\b[\s,!.:;-]*",
    r"(?:(?:a|one|another|\d+|two|three)\s+)?(?:quick|short|simple|small)?\s*(?:question|q)s?(?:\s+for\s+you)?\s*[:,-]\s*",
    r"(?:please|pls|plz)\b[\s,]*",
    r"(?:(?:can|could|would)\s+you\s+(?:please\s+|pls\s+)?(?:tell|let)\s+me|tell\s+me|do\s+you\s+know|i\s+wonder|"
    r"i\s+was\s+wondering|i'?m\s+wondering|any\s+idea)\b[\s,:]*",
    r"(?:\d+[.)]|[-*•]|q\d*[:.)])\s+",  # a list label
]
_OPENER = re.compile(r"^(?:" + "|".join(_OPENERS) + r")", re.I)
# Said after the question: thanks, please, a sign-off.
_CLOSER = re.compile(r"[\s,.!;:-]*\b(?:thanks(?: a lot| so much)?|thank you(?: so much)?|thx|ty|cheers|please|pls|plz)"
                     r"[\s!.]*$", re.I)
# An aside in parentheses or brackets at the end, unless it is an acronym the question names ("(ANC)").
_ASIDE = re.compile(r"\s*[(\[]\s*(?![A-Z0-9&.-]{2,8}\s*[)\]])[^()\[\]]*[)\]]\s*$")
_ASKED_LATER = "who|whom|whose|what|which|when|where|how"  # question words that ask mid-sentence too
_ASKS = re.compile(rf"(?:{_ASKED_LATER}|why|is|are|was|were|do|does|did|can|could|will|would|should|has|have|had)\b",
                   re.I)
_ASKS_LATER = re.compile(rf"\b(?:{_ASKED_LATER})\b", re.I)
_REQUEST = re.compile(r"(?:explain|describe|summari[sz]e|list|name|give|show|find|tell|say)\b", re.I)
_MENTION = re.compile(r"<@[!&]?\d+>|<#\d+>|@everyone|@here")
_SHORTCODE = re.compile(r"(?<!\w):[a-z0-9_+-]+:(?!\w)")  # Discord's :thinking:
_EMOTICON = re.compile(r"(?<!\w)[:;=]-?[()DPp/\\|](?!\w)")
# Chat spellings, whole lowercase words only ("US" and "U" stay as typed).
_SPELLINGS = {"u": "you", "r": "are", "ur": "your", "wat": "what", "wot": "what", "abt": "about",
              "bc": "because", "cuz": "because", "tmrw": "tomorrow", "yday": "yesterday", "2day": "today",
              "rn": "right now", "pls": "please", "plz": "please", "ppl": "people", "govt": "government"}
_SPELLING = re.compile(r"\b(" + "|".join(map(re.escape, _SPELLINGS)) + r")\b")
# "us" meaning the United States: before the words it most often qualifies in news questions.
_US = re.compile(r"\bus(?=\s+(?:troops|forces|military|army|navy|president|government|officials|election|"
                 r"elections|senate|congress|house|state|states|economy|dollar|embassy|citizens|ambassador|"
                 r"intelligence|supreme court|federal|airstrikes?|strikes?|sanctions|tariffs|soldiers)\b)")


def plain_question(text: str) -> str:
    """The question without what was said around it (see the module docstring); the text as given
    when nothing of it would be left."""
    plain = _MENTION.sub(" ", text)
    plain = _SHORTCODE.sub(" ", _EMOTICON.sub(" ", _without_emoji(plain)))
    plain = " ".join(plain.split())
    plain = _strip_repeatedly(plain)
    plain = _US.sub("U.S.", _SPELLING.sub(lambda m: _SPELLINGS[m.group(1)], plain))
    plain = " ".join(plain.split()).strip(" ,;:-")
    typed = " ".join(text.split())
    if not re.search(r"\w", plain):
        return typed
    # Only what was typed as chat: a clean question (all of RealTime QA's) is left exactly as it is.
    return _as_a_question(plain) if plain != typed or plain[0].islower() else plain


def _as_a_question(text: str) -> str:
    """A question typed without its question mark gets one, and its first letter capitalised: the
    small model answers "how many troops are in syria" worse than "How many troops are in syria?".
    A question is one that opens with a question word or asks one later ("the awards celebrate which
    art form"), unless it opens with a request ("explain what …")."""
    asks = _ASKS.match(text) or (_ASKS_LATER.search(text) and not _REQUEST.match(text))
    if asks and not text.rstrip("\"'”’)»").endswith(("?", ".", "!", ":")):
        text += "?"
    return text[0].upper() + text[1:]


def _strip_repeatedly(text: str) -> str:
    """Openers, closers, asides and small talk before the question, until none is left ("hey bot,
    quick question: …")."""
    while True:
        stripped = _ASIDE.sub("", _CLOSER.sub("", _OPENER.sub("", _without_small_talk(text)))).strip()
        if stripped == text:
            return text
        text = stripped


# Where a sentence ends and another begins (not after a title: "Gov. Newsom").
_SENTENCE_END = re.compile(r"(?<![A-Z][a-z]\.)(?<![A-Z][a-z][a-z]\.)(?<![A-Z]\.)(?<=[.!])\s+(?=[A-Z])")
# A capitalised word inside a sentence: a name the question may lean on ("Trump met Xi. What …?").
_INNER_NAME = re.compile(r"(?<=\s)(?!I\b)[A-Z]")


def _without_small_talk(text: str) -> str:
    """The question without the statements before it that name nothing ("I was reading the news
    this morning. How many …?"): they say nothing the search or the model can use. A statement
    that names someone or something stays: the question may lean on it ("Trump met Xi on Monday.
    What did they agree?")."""
    parts = _SENTENCE_END.split(text)
    if len(parts) < 2 or not _asks(parts[-1]):
        return text
    while len(parts) > 1 and not _asks(parts[0]) and not _INNER_NAME.search(parts[0]):
        parts = parts[1:]
    return " ".join(parts)


def _asks(sentence: str) -> bool:
    return sentence.rstrip().endswith("?") or bool(_ASKS.match(sentence))


def _without_emoji(text: str) -> str:
    """Emoji and pictographs (Unicode symbols), with their joiners and variation selectors, as spaces."""
    return "".join(" " if unicodedata.category(c) in ("So", "Sk", "Cs") or c in "\u200d\ufe0f\ufe0e" else c
                   for c in text)
