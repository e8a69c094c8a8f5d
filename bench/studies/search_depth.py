"""Search depth (not a test): how deep in the search's ranking the answer sits, on dev weeks.

Each answerable question of the weeks is searched as of its date (dense and lexical fused, as
`newsqa ask` searches, without the question's time window), 400 passages deep, at most
`answer.evidence_chunks_per_article` of one article. For each depth k: the share of questions
whose first k passages hold the right choice's text. What lies between the answer's share at 8
(what an answer reads) and at 64 is what a better ordering of the same candidates could bring
without searching anew; the passages found only there are described by their age (the 14 days
before the question against older). A third table sets the search against the corpus: the share
of questions whose right choice's text is in any article published by the question's date, in one
published in the 14 days before it, and how deep the search's first such recent passage sits (the
corpus holds old articles that name the answer by chance; a recent one mostly reports the event
asked about). No LLM.

Run: .venv/bin/python bench/studies/search_depth.py [--weeks 2025-01-03:2025-02-21 2025-03-07:2025-04-25]
"""

from __future__ import annotations

import argparse
import statistics
import sys
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.common import RTQA_2025, write_table  # noqa: E402
from newsqa import load_settings  # noqa: E402
from newsqa.evals.dataset import EvalQuestion, load_eval_set  # noqa: E402
from newsqa.evals.metrics import contains_answer, normalize  # noqa: E402
from newsqa.evals.pipelines import NewsqaPipeline, corpus_articles  # noqa: E402
from newsqa.index.search import SearchHit  # noqa: E402

DEPTHS = (8, 16, 32, 64, 128, 400)
RECENT_DAYS = 14


def first_answer(hits: list[SearchHit], question: EvalQuestion,
                 recent_only: bool = False) -> tuple[int, SearchHit] | None:
    """The rank (from 1) and passage of the first hit holding the right choice's text (with
    `recent_only`, the first such hit from the 14 days before the question)."""
    return next(((rank, h) for rank, h in enumerate(hits, start=1)
                 if (not recent_only or is_recent(h.published, question))
                 and contains_answer(h.text, question.answers)), None)


def is_recent(published: datetime | None, question: EvalQuestion) -> bool:
    return bool(published and question.as_of) and (question.as_of - published).days <= RECENT_DAYS


def in_corpus(articles: list[tuple[datetime | None, str]], question: EvalQuestion) -> tuple[bool, bool]:
    """Whether an article published by the question's date holds the answer, and one from the 14
    days before it. Articles are (published, normalised title and text)."""
    answers = [f" {normalize(a)} " for a in question.answers if normalize(a)]
    found = [published for published, text in articles
             if (published is None or published <= question.as_of) and any(a in text for a in answers)]
    recent = [d for d in found if is_recent(d, question)]
    return bool(found), bool(recent)


def share(values: list[bool]) -> str:
    return f"{statistics.mean(values):.3f}" if values else "–"


def measure(first: str, last: str, home: Path | None) -> tuple[list[str], list[str], list[str]]:
    """One row of each table for the weeks first..last."""
    settings = load_settings(**({"home": home} if home else {}))
    eval_set = load_eval_set(RTQA_2025, start=first, end=last)
    questions = [q for q in eval_set.questions if q.answerable]
    pipeline = NewsqaPipeline(eval_set, settings, settings.home / "eval-indexes", "none")
    index, per_article = pipeline.answerer.index, pipeline.settings.answer.evidence_chunks_per_article
    searched = [index.search(q.question, k=max(DEPTHS), as_of=q.as_of, per_article=per_article) for q in questions]
    found = [first_answer(hits, q) for hits, q in zip(searched, questions)]
    recent_found = [first_answer(hits, q, recent_only=True) for hits, q in zip(searched, questions)]
    articles = [(a.published, f" {normalize(a.title + ' ' + a.text)} ")
                for a in corpus_articles(eval_set, pipeline.settings)]
    corpus = [in_corpus(articles, q) for q in questions]
    depth_row = [f"{first} to {last} ({len(questions)})"] + [
        share([f is not None and f[0] <= k for f in found]) for k in DEPTHS]
    top = [is_recent(f[1].published, q) for f, q in zip(found, questions) if f and f[0] <= 8]
    deeper = [is_recent(f[1].published, q) for f, q in zip(found, questions) if f and 8 < f[0] <= 64]
    age_row = [f"{first} to {last}", f"{len(top)}", share(top), f"{len(deeper)}", share(deeper)]
    corpus_row = [f"{first} to {last} ({len(questions)})", share([c[0] for c in corpus]),
                  share([c[1] for c in corpus])] + [
        share([f is not None and f[0] <= k for f in recent_found]) for k in (8, 16, 64, max(DEPTHS))]
    return depth_row, age_row, corpus_row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--weeks", nargs="+", default=["2025-01-03:2025-02-21", "2025-03-07:2025-04-25"],
                        help="FIRST:LAST week ranges (dev weeks only: this is for tuning)")
    parser.add_argument("--home", type=Path, help="data directory holding the evaluation indexes")
    args = parser.parse_args()
    rows = [measure(*weeks.split(":"), args.home) for weeks in args.weeks]
    notes = ["Each answerable question searched as of its date, 400 passages deep, without the question's time "
             "window; the answer is found at depth k when the right choice's text is in the first k passages.",
             f"Recent: the first passage holding the answer was published within {RECENT_DAYS} days before the "
             "question.",
             f"Command: .venv/bin/python bench/studies/search_depth.py --weeks {' '.join(args.weeks)}"]
    write_table("search_depth", "Search depth: where the answer sits in the search's ranking",
                ["weeks (questions)"] + [f"answer in first {k}" for k in DEPTHS], [r[0] for r in rows], notes)
    write_table("search_depth_age", "Search depth: how old the first passage holding the answer is",
                ["weeks", "found in the first 8", "of them recent", "found at 9–64 only", "of them recent"],
                [r[1] for r in rows], notes)
    write_table("search_depth_corpus", "Search depth: the answer in the corpus and in the search's recent passages",
                ["weeks (questions)", "answer in an article by the question's date",
                 f"… in one from the {RECENT_DAYS} days before"]
                + [f"recent passage with the answer in first {k}" for k in (8, 16, 64, max(DEPTHS))],
                [r[2] for r in rows], notes + ["The corpus: the union of the weeks' search-result articles, as "
                                               "indexed; an undated article counts as published by the date."])


if __name__ == "__main__":
    main()
