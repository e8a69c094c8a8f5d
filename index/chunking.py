"""Sentence-aware, token-budgeted chunks with overlap, each knowing its character span.

Sentences come from sentencex; tokens are counted with the embedding model's own tokenizer, so a
chunk's budget is what the model really reads. A chunk is an exact slice of the article text
(`text == article.text[start:end]`), so a quote can be located and highlighted later.
"""

from __future__ import annotations

from dataclasses import dataclass

import sentencex

from newsqa.index.article import Article


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    tokens: int


@dataclass
class Chunk:
    """One passage of an article, as stored in Chroma and in the lexical index."""

    article_id: str
    version: str
    ordinal: int
    start: int
    end: int
    text: str
    tokens: int

    @property
    def id(self) -> str:
        # The version is part of the id: a changed article's new chunks never overwrite the old
        # ones, so the switch between versions happens in the manifest, atomically.
        return f"{self.article_id}-{self.version[:12]}-{self.ordinal:04d}"


def article_of(chunk_id: str) -> str:
    """The article id inside a chunk id (the inverse of `Chunk.id`'s first part)."""
    return chunk_id.rsplit("-", 2)[0]


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Character spans of the sentences of `text`, white space trimmed, paragraph breaks dropped."""
    spans = []
    for boundary in sentencex.get_sentence_boundaries("en", text):
        start, end = boundary["start_index"], boundary["end_index"]
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        if end > start:
            spans.append((start, end))
    return spans


class Chunker:
    """Packs whole sentences into chunks of at most `max_tokens`, repeating up to
    `overlap_tokens` of trailing sentences at the start of the next chunk."""

    def __init__(self, tokenizer, max_tokens: int = 160, overlap_tokens: int = 40) -> None:
        if overlap_tokens >= max_tokens:
            raise ValueError("chunk overlap must be smaller than the chunk size")
        self.tokenizer = tokenizer
        self.max_tokens = max_tokens
        self.overlap_tokens = overlap_tokens

    def chunk(self, article: Article) -> list[Chunk]:
        text = article.text
        spans = self._token_spans(text, sentence_spans(text))
        return [
            Chunk(
                article_id=article.id,
                version=article.content_hash,
                ordinal=ordinal,
                start=group[0].start,
                end=group[-1].end,
                text=text[group[0].start : group[-1].end],
                tokens=sum(s.tokens for s in group),
            )
            for ordinal, group in enumerate(self._pack(spans))
        ]

    def count_tokens(self, texts: list[str]) -> list[int]:
        if not texts:
            return []
        ids = self.tokenizer(
            texts, add_special_tokens=False, return_attention_mask=False, verbose=False
        )
        return [len(x) for x in ids["input_ids"]]

    def _token_spans(self, text: str, spans: list[tuple[int, int]]) -> list[Span]:
        """Sentences with token counts; a sentence over the budget is cut at token boundaries."""
        counts = self.count_tokens([text[s:e] for s, e in spans])
        out: list[Span] = []
        for (start, end), count in zip(spans, counts):
            if count <= self.max_tokens:
                out.append(Span(start, end, count))
            else:
                out.extend(self._split_long(text, start, end))
        return out

    def _split_long(self, text: str, start: int, end: int) -> list[Span]:
        # verbose=False: a sentence longer than the model's window is what is cut here, not a fault
        encoded = self.tokenizer(
            text[start:end], add_special_tokens=False, return_offsets_mapping=True, verbose=False
        )
        offsets = encoded["offset_mapping"]
        pieces = []
        for i in range(0, len(offsets), self.max_tokens):
            window = offsets[i : i + self.max_tokens]
            pieces.append(Span(start + window[0][0], start + window[-1][1], len(window)))
        return pieces

    def _pack(self, spans: list[Span]) -> list[list[Span]]:
        groups: list[list[Span]] = []
        current: list[Span] = []
        for span in spans:
            if current and sum(s.tokens for s in current) + span.tokens > self.max_tokens:
                groups.append(current)
                current = self._overlap(current, span.tokens)
            current.append(span)
        if current:
            groups.append(current)
        return groups

    def _overlap(self, previous: list[Span], incoming: int) -> list[Span]:
        """Trailing sentences of the previous chunk to repeat, within the overlap budget and
        leaving room for the incoming sentence."""
        kept: list[Span] = []
        budget = min(self.overlap_tokens, self.max_tokens - incoming)
        for span in reversed(previous):
            if sum(s.tokens for s in kept) + span.tokens > budget:
                break
            kept.insert(0, span)
        # Never repeat the whole previous chunk: that would not advance.
        return kept if len(kept) < len(previous) else []
