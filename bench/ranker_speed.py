"""What the learned ranker costs a question: the search's candidate pool gathered (embedding the
question, the dense and lexical candidates, fusion) against the ranker ordering it (its features
and the model), in the same run, over the test weeks' questions and their cached evaluation index;
the ranker once with the passages' readings the manifest stored and once reading the passages at
search time (as before the manifest kept readings), each time with none of them read before.

Run: .venv/bin/python bench/ranker_speed.py [--weeks FIRST:LAST]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import RTQA_2025, write_table  # noqa: E402
from newsqa import load_settings  # noqa: E402
from newsqa.evals.dataset import load_eval_set  # noqa: E402
from newsqa.evals.pipelines import NewsqaPipeline  # noqa: E402
from newsqa.evals.ranker_training import pool_size  # noqa: E402
from newsqa.index import ranker as ranker_module  # noqa: E402
from newsqa.index.passage_reading import ReadingCache  # noqa: E402
from newsqa.index.ranker import load_ranker  # noqa: E402


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def ordering_ms(ranker, question: str, pool: list, as_of) -> float:
    """The ranker ordering `pool` with no passage read before, in milliseconds."""
    ranker_module._PASSAGES = ReadingCache(ranker_module._PASSAGES.size)
    started = time.perf_counter()
    ranker.order(question, pool, as_of)
    return (time.perf_counter() - started) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--weeks", default="2025-06-06:2025-06-27")
    args = parser.parse_args()
    first, last = args.weeks.split(":")
    settings = load_settings()
    eval_set = load_eval_set(RTQA_2025, start=first, end=last)
    pipeline = NewsqaPipeline(eval_set, settings, settings.home / "eval-indexes", "none")
    index, ranker = pipeline.answerer.index, load_ranker("learned")
    size = pool_size(settings)  # the pool the answer path's searches gather
    index.candidate_pool("warm up the model and the snapshot", size)
    gather, stored, unread, sizes = [], [], [], []
    for question in eval_set.questions:
        started = time.perf_counter()
        pool, as_of = index.candidate_pool(question.question, size, as_of=question.as_of)
        gather.append((time.perf_counter() - started) * 1000)
        stored.append(ordering_ms(ranker, question.question, pool, as_of))
        unread.append(ordering_ms(ranker, question.question, [replace(c, reading=None) for c in pool], as_of))
        sizes.append(len(pool))
    pipeline.close()
    rows = [[name, f"{statistics.median(v):.1f}", f"{percentile(v, 0.95):.1f}"]
            for name, v in (("gathering the candidate pool (reference)", gather),
                            ("the learned ranker, the passages' readings stored (default)", stored),
                            ("the learned ranker, the passages read at search time (before)", unread))]
    write_table("ranker_speed", "What the learned ranker costs a question", ["step", "p50 ms", "p95 ms"], rows, [
        f"{len(eval_set.questions)} RealTime QA questions of {first} to {last}, each searched as of its date; "
        f"pools of {min(sizes)}–{max(sizes)} candidates (median {statistics.median(sizes):.0f}).",
        f"Each candidate list as the answer path gathers it ({size} of each leg); a question runs one search, or "
        "two when it names no time (the last days' news and all news, taken in turns).",
        "The ranker: its features for every candidate and the model's scores (one thread), then the sort; the "
        "process's cache of passages read emptied before each (a search at scale meets mostly passages it has not "
        "read). Readings stored: what the manifest keeps beside each passage (index/passage_reading.py); read at "
        "search time: the same pool without them, so every passage and title is read for the features.",
        f"Command: .venv/bin/python bench/ranker_speed.py --weeks {args.weeks}",
    ])


if __name__ == "__main__":
    main()
