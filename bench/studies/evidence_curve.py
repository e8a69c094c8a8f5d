"""Evidence curve (not a test): of the answers the search finds, how many survive into what the
model reads, against how many tokens it reads.

For every question of the weeks (searched as of its date, no LLM): the passages the search
returns (answer-in-passages), then the evidence each way of choosing sentences gives at each
token budget (answer-in-evidence and its mean tokens). The same for each use of the question's
time window (answer.time_window off / filter / prefer), over the questions that name a time.
Sentences are scored once a question; only the choosing varies. Prints Markdown tables and
saves them to bench/studies/results/evidence_curve.md.

Run: .venv/bin/python bench/studies/evidence_curve.py --from 2025-01-03 --to 2025-02-21 [--k 8 16]
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.common import RTQA_2025, write_table  # noqa: E402
from newsqa import Answerer, AskRequest, Settings, load_settings  # noqa: E402
from newsqa.bot.evidence import choose, score_sentences  # noqa: E402
from newsqa.evals.dataset import load_eval_set  # noqa: E402
from newsqa.evals.metrics import contains_answer  # noqa: E402
from newsqa.evals.pipelines import NewsqaPipeline  # noqa: E402

BUDGETS = (110, 160, 220, 300, 400)
# name -> (passage-rank weight, sentences at most, relative floor, sentences of one article at most,
#          with context, first passages giving their best other sentence, the floor of those)
STRATEGIES = {
    "best 4, floor 0.8 (the previous default)": (0.0, 4, 0.8, None, False, 0, 0.0),
    "best 2, floor 0.8, + the best other (≥ 0.5 of the best) of each of the first 2 passages (the default)":
        (0.0, 2, 0.8, None, False, 2, 0.5),
    "best 2, floor 0.8, + the best other of each of the first 2 passages": (0.0, 2, 0.8, None, False, 2, 0.0),
    "best 3, floor 0.8, + the best other of the first passage": (0.0, 3, 0.8, None, False, 1, 0.0),
    "best 3, floor 0.8, + the best other of each of the first 2 passages": (0.0, 3, 0.8, None, False, 2, 0.0),
    "best, no cap": (0.0, 99, 0.0, None, False, 0, 0.0),
    "best, ≤2 an article": (0.0, 99, 0.0, 2, False, 0, 0.0),
    "best, with context": (0.0, 99, 0.0, None, True, 0, 0.0),
    "best + passage rank 0.4": (0.4, 99, 0.0, None, False, 0, 0.0),
    "best + passage rank 0.4, with context": (0.4, 99, 0.0, None, True, 0, 0.0),
    "best 6 + passage rank 0.4, floor 0.8": (0.4, 6, 0.8, None, False, 0, 0.0),
}


def chunking_settings(settings: Settings) -> str:
    """The NEWSQA_* variables a run with other than the default chunks was given, for its command."""
    defaults = type(settings).model_fields
    changed = [(name, getattr(settings, name)) for name in ("chunk_tokens", "chunk_overlap_tokens")
               if getattr(settings, name) != defaults[name].default]
    return "".join(f"NEWSQA_{name.upper()}={value} " for name, value in changed)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--from", dest="first", default="2025-01-03")
    parser.add_argument("--to", dest="last", default="2025-02-21")
    parser.add_argument("--k", type=int, nargs="+", default=[8, 16])
    parser.add_argument("--home", type=Path, help="data directory holding the evaluation indexes")
    parser.add_argument("--name", default="evidence_curve",
                        help="the tables' file names: NAME.md and NAME_time_window.md under bench/studies/results")
    args = parser.parse_args()
    settings = load_settings(**({"home": args.home} if args.home else {}))
    eval_set = load_eval_set(RTQA_2025, start=args.first, end=args.last)
    questions = [q for q in eval_set.questions if q.answerable]
    pipeline = NewsqaPipeline(eval_set, settings, settings.home / "eval-indexes", "none")
    index = pipeline.answerer.index
    modes = {"off": ("off", "off"), "filter": ("filter", "off"), "prefer": ("prefer", "off"),
             "prefer, fresh_news prefer": ("prefer", "prefer")}
    answerers = {name: Answerer(pipeline.settings.model_copy(update={"answer": pipeline.settings.answer.model_copy(
        update={"time_window": window, "fresh_news": fresh})}), index) for name, (window, fresh) in modes.items()}

    curve_rows, window_rows = [], []
    for k in args.k:
        found: dict[str, list[float]] = {mode: [] for mode in answerers}
        named: list[int] = []
        fresh: list[int] = []
        outcome: dict[tuple[str, int], list[tuple[float, int]]] = {}
        for i, q in enumerate(questions):
            for mode, answerer in answerers.items():
                request = AskRequest(question=q.question, as_of=q.as_of, llm="none", k=k)
                hits, window = answerer.retrieve(q.question, request)
                found[mode].append(contains_answer(" ".join(h.text for h in hits), q.answers))
                if mode == "prefer":  # the default: the evidence is chosen from its passages
                    if window is not None:
                        (named if window.is_window else fresh).append(i)
                    scorings = {w: score_sentences(q.question, hits, index.embedder, rank_weight=w)
                                for w in {v[0] for v in STRATEGIES.values()}}
                    for name, (weight, most, floor, per_article, context, top, top_floor) in STRATEGIES.items():
                        for budget in BUDGETS:
                            ev = choose(scorings[weight], budget, most, floor, per_article, context, top, top_floor)
                            text = " ".join(src.text for src in ev.sources)
                            outcome.setdefault((name, budget), []).append((contains_answer(text, q.answers),
                                                                           ev.tokens))
        in_passages = statistics.mean(found["prefer"])
        for (name, budget), values in outcome.items():
            curve_rows.append([str(k), name, str(budget), f"{statistics.mean(t for _, t in values):.0f}",
                               f"{in_passages:.3f}", f"{statistics.mean(a for a, _ in values):.3f}"])
        for mode, values in found.items():
            window_rows.append([str(k), mode, f"{statistics.mean(values):.3f}",
                                f"{statistics.mean(values[i] for i in named):.3f} ({len(named)})" if named else "–",
                                f"{statistics.mean(values[i] for i in fresh):.3f} ({len(fresh)})" if fresh else "–"])
    notes = [f"RealTime QA 2025 weeks {args.first} to {args.last}: {len(questions)} answerable questions, "
             "each searched as of its date; no LLM.",
             "Answer in passages: the right choice's text is in the passages the search returned; answer in "
             "evidence: in the sentences chosen from them for the model. Tokens: the chosen sentences' "
             "(all-MiniLM-L6-v2 tokenizer), without titles.",
             f"Chunks of {settings.chunk_tokens} tokens, {settings.chunk_overlap_tokens} repeated "
             "(`chunk_tokens`, `chunk_overlap_tokens`).",
             f"Command: {chunking_settings(settings)}.venv/bin/python bench/studies/evidence_curve.py "
             f"--from {args.first} --to {args.last} "
             f"--k {' '.join(map(str, args.k))}" + (f" --name {args.name}" if args.name != "evidence_curve" else "")]
    write_table(args.name, f"Evidence curve, RealTime QA 2025 weeks {args.first} to {args.last}",
                ["k passages", "choosing", "token budget", "evidence tokens (mean)", "answer in passages",
                 "answer in evidence"], curve_rows, notes)
    window_table = "time_window" if args.name == "evidence_curve" else f"{args.name}_time_window"
    write_table(window_table, f"Time read from the question, RealTime QA 2025 weeks {args.first} to {args.last}",
                ["k passages", "answer.time_window", "answer in passages (all)",
                 "answer in passages (questions naming a time)", "answer in passages (asking for the latest)"],
                window_rows, notes)


if __name__ == "__main__":
    main()
