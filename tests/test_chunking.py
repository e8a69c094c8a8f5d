"""Chunker: exact spans, the token budget, overlap, and awkward texts."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from newsqa.index import Article
from newsqa.index.chunking import Chunker, sentence_spans
from newsqa.index.embeddings import Embedder


@pytest.fixture(scope="module")
def chunker() -> Chunker:
    return Chunker(Embedder("all-MiniLM-L6-v2").tokenizer, max_tokens=60, overlap_tokens=20)


def article(text: str) -> Article:
    return Article(title="T", text=text)


def test_chunks_are_exact_slices_within_budget(chunker: Chunker):
    text = " ".join(f"Sentence number {i} says the harbour moved {i} ships on Monday." for i in range(40))
    chunks = chunker.chunk(article(text))
    assert len(chunks) > 3
    for n, chunk in enumerate(chunks):
        assert chunk.ordinal == n
        assert chunk.text == text[chunk.start : chunk.end]
        assert chunk.tokens <= 60
        assert chunker.count_tokens([chunk.text])[0] <= 60
    # Every sentence is in some chunk; consecutive chunks overlap by whole sentences.
    assert chunks[0].start == 0 and chunks[-1].end == len(text)
    for a, b in zip(chunks, chunks[1:]):
        assert b.start < a.end, "expected overlap"
        assert b.start > a.start, "chunks must advance"


def test_sentences_keep_abbreviations_together():
    text = "The U.S. Central Command said Gen. Smith left at 3 p.m. on Monday. He met Mr. Jones."
    spans = sentence_spans(text)
    assert [text[s:e] for s, e in spans] == [
        "The U.S. Central Command said Gen. Smith left at 3 p.m. on Monday.",
        "He met Mr. Jones.",
    ]


def test_overlong_sentence_is_cut_at_token_boundaries(chunker: Chunker):
    text = "word " * 300 + "end."
    chunks = chunker.chunk(article(text.strip()))
    assert len(chunks) >= 5
    assert all(c.tokens <= 60 for c in chunks)
    assert chunks[-1].text.endswith("end.")


def test_cutting_an_overlong_sentence_warns_nobody(tmp_path):
    """Cutting is the chunker's job, not a fault: the tokenizer's "longer than the maximum sequence
    length" warning would alarm whoever reads an ingest's or a watcher's output."""
    source = tmp_path / "run-on.txt"
    source.write_text("A run-on report " + " ".join(["word"] * 900) + " ends here.")
    done = subprocess.run([str(Path(sys.executable).with_name("newsqa")), "ingest", str(source)],
                          env={**os.environ, "NEWSQA_HOME": str(tmp_path / "home")},
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "Token indices sequence length" not in done.stdout + done.stderr


def test_unicode_offsets(chunker: Chunker):
    text = "Café “Zürich” opened – finally. 😀 Crowds came. " * 20
    for chunk in chunker.chunk(article(text.strip())):
        assert chunk.text == text.strip()[chunk.start : chunk.end]


def test_empty_and_whitespace_texts_give_no_chunks(chunker: Chunker):
    assert chunker.chunk(article("")) == []
    assert chunker.chunk(article(" \n\n ")) == []


def test_chunk_ids_carry_the_version(chunker: Chunker):
    a = article("One sentence here. Another one there.")
    b = article("One sentence here. Another one changed.")
    assert chunker.chunk(a)[0].id != chunker.chunk(b)[0].id
    assert chunker.chunk(a)[0].id == chunker.chunk(article(a.text))[0].id


@hsettings(max_examples=40, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=800))
def test_any_text_chunks_to_exact_slices(chunker: Chunker, text: str):
    for chunk in chunker.chunk(article(text)):
        assert chunk.text == text[chunk.start : chunk.end]
        assert chunk.text.strip()
        assert chunk.tokens <= 60
