"""Retrieval benchmark (not a test): which fusion of dense and lexical search finds the answers.

Over the articles of the first RealTime QA 2025 weeks, each question of those weeks is searched
as of its date, and scored by
- answer@k: the right choice's text appears in the top k passages;
- evidence@k: a top-k passage holds at least half of the content words of the question's gold
  evidence snippet (questions that have one);
for dense only, lexical only, and reciprocal rank fusion with several weights, all on one index.

Run: .venv/bin/python bench/studies/retrieval_bench.py [--weeks 20250103 20250110 20250117 20250124] [-k 8]
"""

from __future__ import annotations

import argparse
import html
import json
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.common import RTQA_2025, write_table  # noqa: E402
from newsqa.index import IndexSettings, NewsIndex, load  # noqa: E402
from newsqa.index.article import parse_published  # noqa: E402
from newsqa.index.words import tokenize  # noqa: E402

VARIANTS = {
    "dense only": {"dense_weight": 1.0, "lexical_weight": 0.0},
    "lexical (BM25) only": {"dense_weight": 0.0, "lexical_weight": 1.0},
    "RRF 1 : 1 (default)": {"dense_weight": 1.0, "lexical_weight": 1.0},
    "RRF 1 : 0.5": {"dense_weight": 1.0, "lexical_weight": 0.5},
    "RRF 0.5 : 1": {"dense_weight": 0.5, "lexical_weight": 1.0},
    "RRF 1 : 1, no recency": {"dense_weight": 1.0, "lexical_weight": 1.0, "recency_weight": 0.0},
}


def questions(weeks: list[str]) -> list[dict]:
    out = []
    for week in weeks:
        for line in (RTQA_2025 / f"{week}_qa.jsonl").read_text().splitlines():
            q = json.loads(line)
            if q["question_sentence"].rstrip(" ?.").lower().endswith("except"):
                continue
            evidence = html.unescape(re.sub(r"<[^>]+>", " ", q.get("evidence") or ""))
            out.append({
                "question": q["question_sentence"],
                "answers": [q["choices"][int(i)].lower() for i in q["answer"]],
                "evidence_terms": set(tokenize([evidence])[0]) if evidence.strip() else set(),
                "as_of": parse_published(q["question_date"]).replace(hour=23),
            })
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--weeks", nargs="+", default=["20250103", "20250110", "20250117", "20250124"])
    parser.add_argument("-k", type=int, default=8)
    parser.add_argument("--home", type=Path, default=Path("/tmp/newsqa-retrieval-bench"))
    args = parser.parse_args()
    index = NewsIndex(IndexSettings(home=args.home))
    index.ingest(load([str(RTQA_2025 / f"{w}_gcs.jsonl") for w in args.weeks], index.settings.fetch))
    qs = questions(args.weeks)
    with_evidence = [q for q in qs if q["evidence_terms"]]
    rows = []
    base = index.settings.search.model_copy()
    for name, change in VARIANTS.items():
        index.settings.search = base.model_copy(update=change)
        answer_hits = evidence_hits = 0
        for q in qs:
            hits = index.search(q["question"], k=args.k, as_of=q["as_of"])
            text = " ".join(h.text.lower() for h in hits)
            answer_hits += any(a in text for a in q["answers"])
            if q["evidence_terms"]:
                evidence_hits += any(
                    len(q["evidence_terms"] & set(tokenize([h.text])[0])) >= 0.5 * len(q["evidence_terms"])
                    for h in hits
                )
        rows.append([name, f"{answer_hits / len(qs):.3f}", f"{evidence_hits / max(len(with_evidence), 1):.3f}"])
    stats = index.stats()
    write_table(
        "retrieval",
        "Retrieval benchmark: fusion variants",
        ["search", f"answer@{args.k}", f"evidence@{args.k}"],
        rows,
        [f"Index: {stats.articles:,} articles, {stats.chunks:,} chunks "
         f"(RealTime QA 2025 weeks {', '.join(args.weeks)}).",
         f"Questions: {len(qs)} (those ending in 'except' left out); "
         f"{len(with_evidence)} have a gold evidence snippet.",
         "answer@k: the right choice's text appears in the top-k passages (many choices are paraphrases, "
         "so this undercounts; it compares variants).",
         "evidence@k: a top-k passage holds at least half the content words of the gold evidence snippet.",
         "Command: .venv/bin/python bench/studies/retrieval_bench.py"],
    )


if __name__ == "__main__":
    main()
