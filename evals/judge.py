"""Judges of citation support: does a premise (the cited evidence) support a claim (a sentence)?

- `overlap` (the offline default, no model): supported when every number the claim states appears
  in the premise, every name it uses (capitalised words after its first) appears there too, and
  at least 60% of its content words (stemmed, stop words dropped) do. Its agreement with hand
  labels is measured by `bench/judge_agreement.py` and reported in the docs (Numbers).
- `claims`: `overlap`, then the claim rules of newsqa's check (bot/claims.py) against the
  premise's sentence that shares most of the claim's words: magnitudes, dates, polarity, figures
  and names in their places.
- `llm:SPEC`: any configured LLM (`llm:local`, `llm:openai:MODEL`, …) asked with prompts/judge.*
  for a one-word yes or no.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache

from newsqa.bot.claims import holds
from newsqa.bot.evidence import content_terms
from newsqa.bot.verify import numbers_in
from newsqa.errors import NewsqaError

Judge = Callable[[str, str], bool]
_NAME = re.compile(r"\b[A-Z][\w'’-]+")


def names_in(text: str) -> set[str]:
    """Capitalised words other than the first word of the text, lower-cased."""
    return {m.lower() for m in _NAME.findall(text)[1:]} if text else set()


def overlap_judge(premise: str, claim: str, min_share: float = 0.6) -> bool:
    """The offline default: numbers, names, and most content words of the claim are in the premise."""
    if not numbers_in(claim) <= numbers_in(premise):
        return False
    text = premise.lower()
    if any(not re.search(rf"(?<!\w){re.escape(name)}(?!\w)", text) for name in names_in(claim)):
        return False
    terms = content_terms(claim)
    return not terms or len(terms & content_terms(premise)) / len(terms) >= min_share


def claims_judge(premise: str, claim: str) -> bool:
    """`overlap`, then the claim rules against the premise's closest sentence."""
    return overlap_judge(premise, claim) and holds(claim, premise) is None


def llm_judge(spec: str) -> Judge:
    """A judge that asks the LLM `spec` (a provider spec as for --llm)."""
    from newsqa.bot.llm import ProviderSettings, make_llm
    from newsqa.bot.verify import llm_support

    choice = make_llm(spec, ProviderSettings(), max_tokens=3)
    if choice.chat is None:
        raise NewsqaError("the llm judge needs an LLM, not 'none'")
    return lru_cache(maxsize=4096)(llm_support(choice.chat))


def make_judge(spec: str) -> Judge:
    """`overlap`, `claims` or `llm:PROVIDER_SPEC`."""
    if spec == "overlap":
        return overlap_judge
    if spec == "claims":
        return claims_judge
    if spec.startswith("llm:"):
        return llm_judge(spec.removeprefix("llm:"))
    raise NewsqaError(f"unknown judge {spec!r}; use overlap, claims or llm:SPEC (e.g. llm:local)")
