"""The ceiling of a ranker (not a test): how deep the answer sits in the fused candidate pool and in
each leg alone, by the right choice's text and by RealTime QA's gold evidence snippet.

Each answerable question of the weeks is searched as of its date, 128 passages deep, at most
`answer.evidence_chunks_per_article` of one article (as the evidence may take them), three ways:
the fused search (`newsqa ask`'s), the dense leg alone and the lexical leg alone (the other leg's
weight set to 0; recency and the per-article cap as in the fused search). For each depth k: the
share of questions whose first k passages hold the right choice's text, and the share of those
with a gold snippet whose first k passages hold half of its content words
(`newsqa.evals.metrics.gold_ranks`, as the evaluation's hit@k counts). Beside them, what today's
candidate pool holds: the 50 dense and 50 lexical candidates (`search.candidates`) before fusion.
A ranker over today's pool can move up at most what the pool holds; beyond it, the pool must grow.
No LLM.

Run: .venv/bin/python bench/studies/pool_ceiling.py [--weeks FIRST:LAST ...] (default: both dev parts, the test weeks)
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.common import RTQA_2025, write_table  # noqa: E402
from newsqa import load_settings  # noqa: E402
from newsqa.evals.dataset import EvalQuestion, load_eval_set  # noqa: E402
from newsqa.evals.metrics import contains_answer, gold_ranks  # noqa: E402
from newsqa.evals.pipelines import NewsqaPipeline  # noqa: E402
from newsqa.index.filters import Filters  # noqa: E402
from newsqa.index.search import SearchHit  # noqa: E402

DEPTHS = (8, 16, 32, 64, 128)
LEGS = {"fused": (1.0, 1.0), "dense alone": (1.0, 0.0), "lexical alone": (0.0, 1.0)}
TEST_WEEKS = "2025-06-06"  # the first test week: rows from it on are reported, never tuned on


def first_text_rank(hits: list[SearchHit], question: EvalQuestion) -> int | None:
    return next((rank for rank, hit in enumerate(hits, start=1) if contains_answer(hit.text, question.answers)), None)


def first_gold_rank(hits: list[SearchHit], question: EvalQuestion) -> int | None:
    ranks = gold_ranks(question, [(hit.url, hit.text) for hit in hits])
    return ranks[0] if ranks else None


def leg_search(index, question: EvalQuestion, weights: tuple[float, float], per_article: int) -> list[SearchHit]:
    """The search with these leg weights (a study may set them on the index's own settings)."""
    search = index.settings.search
    saved = search.dense_weight, search.lexical_weight
    search.dense_weight, search.lexical_weight = weights
    try:
        return index.search(question.question, k=max(DEPTHS), as_of=question.as_of, per_article=per_article)
    finally:
        search.dense_weight, search.lexical_weight = saved


def todays_pool(index, question: EvalQuestion) -> tuple[bool, bool | None]:
    """Whether the 50 + 50 candidates today's search fuses hold the right choice's text, and (where
    the question has one) the gold snippet."""
    candidates = index.settings.search.candidates
    filters = Filters(as_of=question.as_of)
    vector = index.embedder.encode([question.question])[0]
    ids = [cid for cid, _ in index.store.dense_search(vector, candidates, filters)]
    ids += [cid for cid, _ in index.store.lexical_search(question.question, candidates, filters)]
    chunks = index.manifest.chunks(list(dict.fromkeys(ids)))
    texts = [(chunk.url, chunk.text) for chunk in chunks.values()]
    by_text = any(contains_answer(text, question.answers) for _, text in texts)
    by_gold = bool(gold_ranks(question, texts)) if question.gold_evidence else None
    return by_text, by_gold


def share(values: list[bool]) -> str:
    return f"{statistics.mean(values):.3f}" if values else "–"


def within(ranks: list[int | None], k: int) -> str:
    """The share of questions whose first answering passage is in the first k."""
    return share([rank is not None and rank <= k for rank in ranks])


def measure(first: str, last: str, home: Path | None) -> list[list[str]]:
    settings = load_settings(**({"home": home} if home else {}))
    eval_set = load_eval_set(RTQA_2025, start=first, end=last)
    questions = [q for q in eval_set.questions if q.answerable]
    with_gold = [q for q in questions if q.gold_evidence]
    pipeline = NewsqaPipeline(eval_set, settings, settings.home / "eval-indexes", "none")
    index, per_article = pipeline.answerer.index, pipeline.settings.answer.evidence_chunks_per_article
    kind = "test" if first >= TEST_WEEKS else "dev"
    label = f"{first} to {last} ({kind}; {len(questions)} questions, {len(with_gold)} with a gold snippet)"
    pools = [todays_pool(index, q) for q in questions]
    rows = []
    for leg, weights in LEGS.items():
        searched = [leg_search(index, q, weights, per_article) for q in questions]
        text = [first_text_rank(hits, q) for hits, q in zip(searched, questions)]
        gold = [first_gold_rank(hits, q) for hits, q in zip(searched, questions) if q.gold_evidence]
        cells = [f"{within(text, k)} / {within(gold, k)}" for k in DEPTHS]
        pool = (f"{share([p[0] for p in pools])} / {share([p[1] for p in pools if p[1] is not None])}"
                if leg == "fused" else "")
        rows.append([label, leg, *cells, pool])
        print(rows[-1], flush=True)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--weeks", nargs="+", default=["2025-01-03:2025-02-21", "2025-03-07:2025-04-25",
                                                        "2025-06-06:2025-06-27"])
    parser.add_argument("--home", type=Path, help="data directory holding the evaluation's indexes")
    args = parser.parse_args()
    rows = []
    for weeks in args.weeks:
        first, last = weeks.split(":")
        rows += measure(first, last, args.home)
    header = ["weeks", "ranking", *[f"first {k}: text / gold" for k in DEPTHS], "today's pool (50 + 50): text / gold"]
    write_table("pool_ceiling", "The ceiling of a ranker: the answer in the first k passages, fused and each leg alone",
                header, rows, [
                    "Answerable RealTime QA 2025 questions, each searched as of its date; at most "
                    "answer.evidence_chunks_per_article passages of one article; recency as in the search.",
                    "text: the right choice's text in a passage; gold: half of the content words of RealTime QA's "
                    "evidence snippet in a passage, over the questions that have one (as the evaluation's hit@k).",
                    "dense alone / lexical alone: the other leg's fusion weight 0 (its candidates rank last).",
                    "today's pool: the 50 dense and 50 lexical candidates the search fuses today, before the "
                    "per-article cap: what a ranker over today's pool could reach at most.",
                    "Dev weeks (tuning): 2025-01-03 to 2025-02-21 and 2025-03-07 to 2025-04-25; test weeks (reporting "
                    "only): 2025-06-06 to 2025-06-27.",
                    f"Command: .venv/bin/python bench/studies/pool_ceiling.py --weeks {' '.join(args.weeks)}",
                ])


if __name__ == "__main__":
    main()
