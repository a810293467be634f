"""Highlighting: the words of a text that a search matched, and a short window around them."""

from __future__ import annotations

from ..text import normalise, stem, terms, words


def highlight_spans(text: str, stems_: set[str]) -> list[tuple[int, int]]:
    """Character spans of the words of `text` whose stem was matched (text is normalised)."""
    spans = []
    for word, start, end in words(text):
        if any(stem(t) in stems_ for t in terms(word)):
            spans.append((start, end))
    return spans


def snippet(text: str, stems_: set[str], width: int = 12) -> tuple[str, list[tuple[int, int]]]:
    """A window of about `width` words around the first matched word, with its spans."""
    text = normalise(text)
    all_words = words(text)
    spans = highlight_spans(text, stems_)
    if not spans:
        return "", []
    first = next(i for i, (_, s, _) in enumerate(all_words) if s == spans[0][0])
    lo = max(0, first - width // 3)
    hi = min(len(all_words), lo + width)
    start = all_words[lo][1] if lo else 0
    end = all_words[hi - 1][2] if hi < len(all_words) else len(text)
    prefix = "…" if start else ""
    suffix = "…" if end < len(text) else ""
    cut = prefix + text[start:end] + suffix
    shift = len(prefix) - start
    return cut, [(a + shift, b + shift) for a, b in spans if a >= start and b <= end]
