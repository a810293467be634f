"""Full-text search, in stages one module each:

- analysis: `qpvcli.text` (the one French pipeline for records, queries and highlights);
- `index`: writing the postings into the store, and reading them term by term;
- `expansion`: the variants of a query word (family, prefix, synonyms, typos, sound);
- `ranking`: scoring, proximity, cut-off;
- `highlight`: matched words and snippets.
"""

from __future__ import annotations

from ..text import typo_budget
from .highlight import highlight_spans, snippet
from .index import FIELD_NAMES, Index, IndexBuilder
from .ranking import Hit, QueryTerm, Result, parse_query, run

__all__ = [
    "FIELD_NAMES",
    "Hit",
    "Index",
    "IndexBuilder",
    "QueryTerm",
    "Result",
    "highlight_spans",
    "parse_query",
    "run",
    "snippet",
    "typo_budget",
]
