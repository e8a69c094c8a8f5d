"""Near-duplicate threshold benchmark (not a test): which MinHash similarity marks a syndicated copy.

Reads every RealTime QA 2025 article (../shared/data, unique by URL), finds the candidate pairs
with MinHash LSH at a low threshold (0.2), and scores the hand-labelled sample of those pairs in
bench/results/near_duplicate_labels.jsonl ("same story": one text is a copy of the other —
syndicated, localized for another city, or re-published — possibly with a few paragraphs changed;
"different": another article, or a later rewrite with new news). For each threshold, with and
without the minimum length, it prints precision and recall on the labelled pairs, and how many of
the year's articles would be stored as copies. Saves bench/results/near_duplicates.md.

The sample was drawn with `--sample` (8 pairs of each tenth of exact Jaccard similarity from 0.1
to 1.0, seed 2025) and labelled by reading both texts.

With `--weeks W…` it instead ingests those weeks' articles in order, as the evaluation builds its
index, and counts the articles stored as copies (how much the evaluation's corpus changes).

Run: .venv/bin/python bench/near_duplicates.py [--sample | --weeks 20250606 20250613 …]
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path

from datasketch import MinHashLSH

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import REPO, RTQA_2025, write_table  # noqa: E402
from newsqa.index import Article, load  # noqa: E402
from newsqa.index.article import with_inferred_date  # noqa: E402
from newsqa.index.near_duplicates import CopyFinder, shingles, signature  # noqa: E402
from newsqa.index.settings import DedupSettings, FetchSettings  # noqa: E402

LABELS = REPO / "bench" / "results" / "near_duplicate_labels.jsonl"
THRESHOLDS = (0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)


def articles() -> dict[str, str]:
    """url → text of every RealTime QA 2025 search result (first seen wins)."""
    found: dict[str, str] = {}
    for path in sorted(RTQA_2025.glob("*_gcs.jsonl")):
        for line in path.read_text().splitlines():
            for result in json.loads(line).get("search_result") or []:
                if result.get("url") and result.get("text") and result["url"] not in found:
                    found[result["url"]] = result["text"]
    return found


def candidate_pairs(texts: dict[str, str], settings: DedupSettings) -> tuple[dict, list[tuple[float, str, str]]]:
    """The MinHashes, and (exact Jaccard, a, b) of every pair LSH proposes at 0.2."""
    hashes = {url: signature(text, settings) for url, text in texts.items()}
    lsh = MinHashLSH(threshold=0.2, num_perm=settings.permutations)
    for url, minhash in hashes.items():
        lsh.insert(url, minhash)
    pairs = {tuple(sorted((u, v))) for u in hashes for v in lsh.query(hashes[u]) if v != u}
    exact = []
    for a, b in sorted(pairs):
        sa, sb = shingles(texts[a], settings.shingle_words), shingles(texts[b], settings.shingle_words)
        if sa and sb:
            exact.append((len(sa & sb) / len(sa | sb), a, b))
    return hashes, exact


def print_sample(texts: dict[str, str], exact: list[tuple[float, str, str]]) -> None:
    rng = random.Random(2025)
    for tenth in range(1, 11):
        pairs = [p for p in exact if min(int(p[0] * 10), 10) == tenth]
        for similarity, a, b in rng.sample(pairs, min(8, len(pairs))):
            print(json.dumps({"a": a, "b": b, "jaccard": round(similarity, 3),
                              "a_text": texts[a][:300], "b_text": texts[b][:300]}))


def copies_in_weeks(weeks: list[str], settings: DedupSettings) -> None:
    """Articles of these weeks' search results stored as copies, in ingest order."""
    finder, seen, copies = CopyFinder(settings, []), set(), 0
    for item in load([str(RTQA_2025 / f"{week}_gcs.jsonl") for week in weeks], FetchSettings()):
        if not isinstance(item, Article) or item.id in seen:
            continue
        seen.add(item.id)
        article = with_inferred_date(item)
        if len(article.text.split()) < settings.min_words:
            continue
        minhash = signature(article.text, settings)
        if finder.original_of(minhash, article.id):
            copies += 1
        else:
            finder.add(article.id, minhash)
    print(f"weeks {' '.join(weeks)}: {len(seen):,} articles, {copies} stored as copies")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sample", action="store_true", help="print the pairs to label, then stop")
    parser.add_argument("--weeks", nargs="+", help="count the copies among these weeks' articles, then stop")
    args = parser.parse_args()
    settings = DedupSettings()
    if args.weeks:
        copies_in_weeks(args.weeks, settings)
        return
    texts = articles()
    hashes, exact = candidate_pairs(texts, settings)
    if args.sample:
        print_sample(texts, exact)
        return
    labels = [json.loads(line) for line in LABELS.read_text().splitlines()]
    words = {url: len(text.split()) for url, text in texts.items()}
    rows = []
    for min_words in (0, settings.min_words):
        for threshold in THRESHOLDS:
            def copy(a: str, b: str) -> bool:
                long_enough = min(words[a], words[b]) >= min_words
                return long_enough and hashes[a].jaccard(hashes[b]) >= threshold

            said = [copy(x["a"], x["b"]) for x in labels]
            right = sum(s and x["same_story"] for s, x in zip(said, labels))
            precision = right / max(1, sum(said))
            recall = right / max(1, sum(x["same_story"] for x in labels))
            merged = {b for _, a, b in exact if copy(a, b)}
            rows.append([str(min_words), f"{threshold:.1f}", f"{precision:.2f}", f"{recall:.2f}",
                         f"{2 * precision * recall / max(1e-9, precision + recall):.2f}",
                         f"{len(merged):,} of {len(texts):,}"])
    same = sum(x["same_story"] for x in labels)
    notes = [
        f"{len(labels)} hand-labelled pairs ({same} the same story), drawn from the {len(exact):,} candidate "
        "pairs LSH proposes at 0.2 among the year's articles, 8 of each tenth of exact Jaccard from 0.1 to 1.0: "
        "precision and recall are over this stratified sample, not the whole year.",
        "Similarity: MinHash (128 permutations) estimate of the Jaccard similarity of 5-word shingles, as "
        "ingest computes it. min words: texts shorter than this are never merged.",
        "Articles stored as copies: the second article of each pair the rule merges, over the whole year.",
        "Command: .venv/bin/python bench/near_duplicates.py",
    ]
    write_table("near_duplicates", "Syndicated copies: MinHash threshold on RealTime QA 2025 articles",
                ["min words", "threshold", "precision", "recall", "F1", "articles stored as copies"], rows, notes)


if __name__ == "__main__":
    main()
