"""The words both full-text indexes see, and how matches are ranked (plain Python, no database).

Both databases index the same pre-tokenised text (`search_text`, built here), so SQLite FTS5 and
PostgreSQL full-text search find the same rows. `score` below is the ranking rule; the database computes
the very same score in SQL (`db.resources.search`) from `search_text` and `title_words`, so that only the
page shown leaves it. Ties are broken by id.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

MAX_TERMS = 8
QUERY_MAX = 100

_WORD = re.compile(r"[^\W_]+")
# Words too common to narrow a search; dropping them also keeps both backends' matching identical.
STOPWORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "by",
        "for",
        "from",
        "has",
        "have",
        "in",
        "into",
        "is",
        "it",
        "its",
        "of",
        "on",
        "or",
        "our",
        "the",
        "their",
        "this",
        "to",
        "was",
        "were",
        "what",
        "when",
        "which",
        "who",
        "will",
        "with",
        "how",
        "about",
    ]
)


def fold(text: str) -> str:
    """Lower-case and strip accents, so that "Équité" and "equite" are one word."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(character for character in decomposed if not unicodedata.combining(character))


def tokens(text: str) -> list[str]:
    """The words of a text as the index stores them."""
    return _WORD.findall(fold(text or ""))


def search_text(title: str, summary: str, publisher: str) -> str:
    """The text both databases index: the words of title, summary and publisher, space-separated."""
    return " ".join(tokens(f"{title} {summary} {publisher}"))


def title_words(title: str) -> str:
    """The words of a title as the index stores them, space-separated (what the title bonus looks at)."""
    return " ".join(tokens(title))


def stem(word: str) -> str:
    """Cut a common English ending so a prefix search finds the other forms ("policies" → "polic")."""
    if word.endswith("ss") or word.isdigit():
        return word
    for suffix in ("ies", "ing", "es", "ed", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


def query_terms(query: str) -> list[str]:
    """The distinct search terms of what a member typed (stems, stopwords dropped), at most MAX_TERMS."""
    seen: list[str] = []
    for word in tokens(query[:QUERY_MAX]):
        if word in STOPWORDS or len(word) < 2:
            continue
        term = stem(word)
        if term not in seen:
            seen.append(term)
    return seen[:MAX_TERMS]


def only_stopwords(query: str) -> bool:
    """True when the member typed words, but none that narrows a search."""
    return bool(query.strip()) and all(word in STOPWORDS for word in tokens(query))


def fts5_query(terms: Iterable[str]) -> str:
    """An FTS5 MATCH expression: every term, as a prefix (terms are letters and digits only)."""
    return " AND ".join(f'"{term}"*' for term in terms)


def tsquery(terms: Iterable[str]) -> str:
    """A PostgreSQL to_tsquery expression with the same meaning as fts5_query."""
    return " & ".join(f"{term}:*" for term in terms)


def score(terms: list[str], title: str, text: str) -> int:
    """How well a resource matches: title words weigh most, whole words more than prefixes.

    `text` is the resource's search_text (title, summary and publisher words, already folded). Kept in
    Python as the rule's plain statement; `db.resources.search` computes the same in SQL.
    """
    in_title = tokens(title)
    words = text.split()
    total = 0
    for term in terms:
        if term in in_title:
            total += 6
        elif any(word.startswith(term) for word in in_title):
            total += 4
        total += min(3, sum(1 for word in words if word.startswith(term)))
    return total


def rank(terms: list[str], rows: Iterable[tuple[int, str, str]]) -> list[int]:
    """Order (id, title, search_text) rows best first, ties by id."""
    scored = [(-score(terms, title, text), row_id) for row_id, title, text in rows]
    return [row_id for _negative, row_id in sorted(scored)]


def matches_prefixes(typed: str, text: str) -> bool:
    """True when every word typed starts some word of the text (for autocomplete)."""
    words = tokens(text)
    return all(any(word.startswith(wanted) for word in words) for wanted in tokens(typed))
