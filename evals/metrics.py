"""Per-question metrics of an Answer against its question, and the overall figures.

Answer text is compared as RealTime QA's own scorer does in its generation setting: lower-cased,
punctuation stripped, white space collapsed; exact match and token F1 take the best of the right
answers. Citations are scored in the ALCE sense (Gao et al. 2023): a sentence is *recalled* when
its citations together support it; a citation is *imprecise* when it alone does not support its
sentence while the sentence's other citations do (and every citation of an unsupported sentence
is imprecise). What "supports" means is the judge's (evals.judge).
"""

from __future__ import annotations

import string
from collections import Counter
from collections.abc import Callable, Sequence

import numpy as np

from newsqa import Answer
from newsqa.bot.verify import parse_claims
from newsqa.evals.dataset import EvalQuestion
from newsqa.index.words import tokenize

Judge = Callable[[str, str], bool]  # (premise, claim) -> supported
_PUNCTUATION = str.maketrans({c: " " for c in string.punctuation + "‘’“”–—"})


def normalize(text: str) -> str:
    """Lower-case, punctuation to spaces, white space collapsed (RealTime QA's normalisation)."""
    return " ".join(text.lower().translate(_PUNCTUATION).split())


def exact_match(prediction: str, answers: Sequence[str]) -> float:
    return float(any(normalize(prediction) == normalize(a) for a in answers)) if answers else 0.0


def token_f1(prediction: str, answers: Sequence[str]) -> float:
    """Best token F1 of the prediction against any right answer."""
    best = 0.0
    predicted = normalize(prediction).split()
    for answer in answers:
        gold = normalize(answer).split()
        common = sum((Counter(predicted) & Counter(gold)).values())
        if common:
            precision, recall = common / len(predicted), common / len(gold)
            best = max(best, 2 * precision * recall / (precision + recall))
    return best


def contains_answer(text: str, answers: Sequence[str]) -> float:
    """Whether a right answer appears in the text, as whole words after normalisation."""
    haystack = f" {normalize(text)} "
    return float(any(normalize(a) and f" {normalize(a)} " in haystack for a in answers))


def holds_gold(passage: str, gold: str, min_share: float = 0.5) -> bool:
    """A passage holds a gold snippet when it has at least half of the snippet's content words;
    a gold URL is matched by the caller against the passage's article URL."""
    terms = set(tokenize([gold])[0])
    return bool(terms) and len(terms & set(tokenize([passage])[0])) / len(terms) >= min_share


def gold_ranks(question: EvalQuestion, passages: Sequence[tuple[str | None, str]]) -> list[int]:
    """1-based ranks of the retrieved (url, text) passages that hold gold evidence."""
    ranks = []
    for rank, (url, text) in enumerate(passages, start=1):
        for gold in question.gold_evidence:
            if gold.startswith(("http://", "https://")):
                if url and url.rstrip("/") == gold.rstrip("/"):
                    ranks.append(rank)
                    break
            elif holds_gold(text, gold):
                ranks.append(rank)
                break
    return ranks


def citation_scores(answer: Answer, judge: Judge) -> dict[str, float | int | None]:
    """Cited-sentence share, ALCE citation recall and precision of one answer."""
    if answer.abstained:
        return {"sentences": 0, "cited_share": None, "citation_recall": None, "citation_precision": None}
    premise_of = _premises(answer)
    claims = parse_claims(answer.answer)
    recalled, precise, total_citations = 0, 0, 0
    for claim in claims:
        refs = [n for n in claim.cited if n in premise_of]
        total_citations += len(refs)
        joint = bool(refs) and judge("\n".join(premise_of[n] for n in refs), claim.text)
        recalled += joint
        if joint and len(refs) > 1:
            for n in refs:
                alone = judge(premise_of[n], claim.text)
                rest = [m for m in refs if m != n]
                precise += alone or not judge("\n".join(premise_of[m] for m in rest), claim.text)
        else:
            precise += joint
    n = len(claims)
    return {
        "sentences": n,
        "cited_share": sum(bool(c.cited) for c in claims) / n if n else None,
        "citation_recall": recalled / n if n else None,
        "citation_precision": precise / total_citations if total_citations else (0.0 if n else None),
    }


def _premises(answer: Answer) -> dict[int, str]:
    """For each shown source number, the evidence of its article that the LLM was given."""
    premises = {}
    for citation in answer.citations:
        lines = [e.text for e in answer.evidence if e.article_id == citation.article_id]
        premises[citation.n] = " ".join(lines) or citation.quote
    return premises


def score(question: EvalQuestion, answer: Answer, judge: Judge, passages: Sequence[tuple[str | None, str]],
          evidence_read: tuple[str, int] | None = None) -> dict:
    """Every metric of one answer; answer metrics are None for unanswerable questions.
    `evidence_read`: the evidence as the model read it (with the titles its prompt shows) and its
    tokens, where that is more than the evidence lines."""
    answerable = question.answerable
    evidence_text = " ".join(e.text for e in answer.evidence)
    read_text, read_tokens = evidence_read or (evidence_text, answer.evidence_tokens)
    ranks = gold_ranks(question, passages) if question.gold_evidence else []
    metrics: dict = {
        "answerable": answerable,
        "abstained": answer.abstained,
        "em": exact_match(answer.short_answer, question.answers) if answerable else None,
        "f1": token_f1(answer.short_answer, question.answers) if answerable else None,
        "containment": contains_answer(answer.answer, question.answers) if answerable else None,
        "answer_in_passages": (contains_answer(" ".join(text for _, text in passages), question.answers)
                               if answerable else None),
        "answer_in_evidence": contains_answer(evidence_text, question.answers) if answerable else None,
        "evidence_tokens": answer.evidence_tokens,
        "answer_in_evidence_with_titles": contains_answer(read_text, question.answers) if answerable else None,
        "evidence_tokens_with_titles": read_tokens,
        "hit_at_1": float(bool(ranks) and ranks[0] <= 1) if question.gold_evidence else None,
        "hit_at_k": float(bool(ranks)) if question.gold_evidence else None,
        "mrr": (1 / ranks[0] if ranks else 0.0) if question.gold_evidence else None,
        "abstained_unanswerable": float(answer.abstained) if not answerable else None,
        "false_abstain": float(answer.abstained) if answerable else None,
        "latency_s": answer.timings.get("total"),
        "tokens_in": answer.tokens_in,
        "tokens_out": answer.tokens_out,
    }
    right = (not answer.abstained and answerable
             and bool(metrics["containment"] or metrics["em"] or (metrics["f1"] or 0) >= 0.5))
    # Of the answers given, the right ones (an answer to an unanswerable question is wrong);
    # of the answerable questions, those answered right.
    metrics["answered_precision"] = None if answer.abstained else float(right)
    metrics["answered_right"] = float(right) if answerable else None
    metrics.update(citation_scores(answer, judge))
    return metrics


def risk_coverage(answers: Sequence[tuple[float, bool, bool]], answerable: int,
                  precision_target: float = 0.70) -> dict:
    """How precision trades against coverage as the confidence floor rises.

    `answers`: (confidence, right, answerable) of each answer given (not "I don't know");
    `answerable`: how many questions could be answered. Each point of the curve keeps the
    answers at or above one confidence: its coverage is the share of answerable questions so
    answered, its precision the share of those answers that are right. The area is precision
    integrated over coverage, from 0 to the coverage of every answer given (higher is better; it
    is at most that coverage). Coverage at the target is the widest point whose precision is at
    least `precision_target`, with the confidence floor that gives it."""
    ordered = sorted(answers, key=lambda a: -a[0])
    curve, area, kept, right, covered = [], 0.0, 0, 0, 0
    for n, (confidence, is_right, is_answerable) in enumerate(ordered):
        kept, right, covered = kept + 1, right + is_right, covered + is_answerable
        if n + 1 < len(ordered) and ordered[n + 1][0] == confidence:
            continue  # answers of one confidence enter the curve together
        coverage = covered / answerable if answerable else 0.0
        precision = right / kept
        area += precision * (coverage - (curve[-1]["coverage"] if curve else 0.0))
        curve.append({"confidence": round(float(confidence), 4), "coverage": round(coverage, 4),
                      "precision": round(precision, 4), "answers": kept})
    reached = [p for p in curve if p["precision"] >= precision_target]
    best = max(reached, key=lambda p: p["coverage"]) if reached else None
    return {"curve": curve, "area": round(area, 4), "precision_target": precision_target,
            "coverage_at_target": best["coverage"] if best else 0.0,
            "floor_at_target": best["confidence"] if best else None}


def bootstrap_interval(values: Sequence[float], resamples: int = 1000, seed: int = 0) -> tuple[float, float] | None:
    """95% percentile bootstrap interval of the mean."""
    data = np.asarray([v for v in values if v is not None], dtype=float)
    if len(data) == 0:
        return None
    rng = np.random.default_rng(seed)
    means = data[rng.integers(0, len(data), size=(resamples, len(data)))].mean(axis=1)
    return float(np.percentile(means, 2.5)), float(np.percentile(means, 97.5))


def mean(values: Sequence[float | None]) -> float | None:
    data = [v for v in values if v is not None]
    return float(np.mean(data)) if data else None


def percentile(values: Sequence[float | None], q: float) -> float | None:
    data = [v for v in values if v is not None]
    return float(np.percentile(data, q)) if data else None

