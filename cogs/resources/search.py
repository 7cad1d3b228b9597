"""Search rules: tokens, query terms, ranking, filters and "did you mean" (plain Python).

Both databases index the same pre-tokenised text (`search_text`, built here), so SQLite FTS5 and
PostgreSQL full-text search find the same rows; the ranking below then orders them the same way on
both, ties broken by id.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from cogs.resources import report

MAX_TERMS = 8
QUERY_MAX = 100
PAGE_SIZE = 5

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

KINDS: dict[str, str] = {
    "toolkit": "Toolkit",
    "report": "Report",
    "course": "Course",
    "dataset": "Dataset",
    "case_study": "Case study",
    "talking_points": "Talking points",
    "other": "Other",
}

# Coalition objectives (interests "objective:N") mapped to the action areas that serve them.
OBJECTIVE_AREAS: dict[int, tuple[str, ...]] = {
    1: ("16.d", "16.e"),
    2: ("10.a", "10.b", "10.c", "16.c"),
    3: ("16.f",),
    4: ("14.a", "14.b"),
}


def kind_label(kind: str) -> str:
    return KINDS.get(kind, "Other")


def parse_kind(text: str) -> str | None:
    """The kind key for a key or label typed in any case ("Case study", "case_study"), or None."""
    folded = re.sub(r"[\s_-]+", "_", (text or "").strip().casefold())
    if folded in KINDS:
        return folded
    return next((key for key, label in KINDS.items() if label.casefold().replace(" ", "_") == folded), None)


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


def fts5_query(terms: Iterable[str]) -> str:
    """An FTS5 MATCH expression: every term, as a prefix (terms are letters and digits only)."""
    return " AND ".join(f'"{term}"*' for term in terms)


def tsquery(terms: Iterable[str]) -> str:
    """A PostgreSQL to_tsquery expression with the same meaning as fts5_query."""
    return " & ".join(f"{term}:*" for term in terms)


def score(terms: list[str], title: str, text: str) -> int:
    """How well a resource matches: title words weigh most, whole words more than prefixes.

    `text` is the resource's search_text (title, summary and publisher words, already folded).
    """
    title_words = tokens(title)
    words = text.split()
    total = 0
    for term in terms:
        if term in title_words:
            total += 6
        elif any(word.startswith(term) for word in title_words):
            total += 4
        total += min(3, sum(1 for word in words if word.startswith(term)))
    return total


def rank(terms: list[str], rows: Iterable[tuple[int, str, str]]) -> list[int]:
    """Order (id, title, search_text) rows best first, ties by id."""
    scored = [(-score(terms, title, text), row_id) for row_id, title, text in rows]
    return [row_id for _negative, row_id in sorted(scored)]


def did_you_mean(query: str, vocabulary: Iterable[str], *, limit: int = 3) -> list[str]:
    """Spelling suggestions for the words of a query that found nothing ("equty" → "equity")."""
    words = sorted({word for word in vocabulary if len(word) > 2 and word not in STOPWORDS})
    suggestions: list[str] = []
    for word in tokens(query[:QUERY_MAX]):
        if word in STOPWORDS or len(word) < 3:
            continue
        for match in difflib.get_close_matches(word, words, n=limit, cutoff=0.75):
            if match != word and match not in suggestions:
                suggestions.append(match)
    return suggestions[:limit]


# ----------------------------------------------------------------- the recommendation filter


@dataclass(frozen=True)
class RecommendationFilter:
    """What a `recommendation` option means: one area, one chapter, or one principle."""

    kind: str  # "area", "chapter" or "principle"
    value: str

    @property
    def label(self) -> str:
        if self.kind == "area":
            return report.area(self.value).label
        if self.kind == "chapter":
            return report.chapter(int(self.value)).label
        found = report.principle(self.value)
        return f"Principle: {found.title}"

    @property
    def token(self) -> str:
        return f"{self.kind}:{self.value}"

    def area_keys(self) -> tuple[str, ...]:
        """The areas this filter covers."""
        if self.kind == "area":
            return (self.value,)
        if self.kind == "chapter":
            return tuple(a.key for a in report.chapter(int(self.value)).areas)
        return tuple(a.key for a in report.areas_of_principle(self.value))

    def principle_ids(self) -> tuple[str, ...]:
        """Principles whose principle-wide resources also fit (only for a principle filter)."""
        return (self.value,) if self.kind == "principle" else ()


def parse_recommendation(text: str | None) -> RecommendationFilter | None:
    """Read "area:6.b", "chapter:6", "principle:P1" (or the bare "6.b", "6", "P1"); None if unknown."""
    if not text:
        return None
    value = text.strip()
    kind, _, rest = value.partition(":")
    if not rest:
        kind, rest = "", value
    kind = kind.casefold()
    rest = rest.strip()
    try:
        if kind in ("area", "") and "." in rest:
            report.area(rest)
            return RecommendationFilter("area", rest)
        if kind in ("chapter", "") and rest.isdigit():
            report.chapter(int(rest))
            return RecommendationFilter("chapter", str(int(rest)))
        if kind in ("principle", "") and rest.upper() in ("P1", "P2", "P3"):
            return RecommendationFilter("principle", rest.upper())
    except KeyError:
        return None
    return None


def recommendation_choices(typed: str, *, limit: int = 25) -> list[tuple[str, str]]:
    """Autocomplete (name, value) pairs for principles, chapters and areas that match what was typed."""
    wanted = tokens(typed)
    options: list[tuple[str, str]] = []
    for principle in report.PRINCIPLES:
        options.append((f"Principle: {principle.title}", f"principle:{principle.id}"))
    for chapter in report.CHAPTERS:
        options.append((f"{chapter.label} (whole chapter)", f"chapter:{chapter.number}"))
        options.extend((area.label, f"area:{area.key}") for area in chapter.areas)
    if wanted:
        options = [
            option
            for option in options
            if all(any(word.startswith(w) for word in tokens(option[0])) for w in wanted)
        ]
    return [(truncate_choice(name), value) for name, value in options[:limit]]


def area_choices(typed: str, *, limit: int = 25) -> list[tuple[str, str]]:
    """Autocomplete (name, value) pairs for action areas only (for /recommendation show)."""
    wanted = tokens(typed)
    options = [(area.label, area.key) for area in report.all_areas()]
    if wanted:
        options = [
            o for o in options if all(any(word.startswith(w) for word in tokens(o[0])) for w in wanted)
        ]
    return [(truncate_choice(name), value) for name, value in options[:limit]]


def truncate_choice(text: str, limit: int = 100) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def page_count(total: int, size: int = PAGE_SIZE) -> int:
    return max(1, -(-total // size))


def clamp_page(page: int, total: int, size: int = PAGE_SIZE) -> int:
    """A page number within 0..last for this many results."""
    return min(max(page, 0), page_count(total, size) - 1)


def jump_pages(current: int, pages: int, *, limit: int = 25) -> list[int]:
    """The pages a jump select offers: all when they fit, else a window around the current one plus ends."""
    if pages <= limit:
        return list(range(pages))
    half = (limit - 2) // 2
    start = max(1, min(current - half, pages - 1 - (limit - 2)))
    window = list(range(start, start + limit - 2))
    return [0, *window, pages - 1]


def interest_areas(interests: Iterable[str]) -> tuple[set[str], set[str]]:
    """(areas of chosen chapters, areas serving chosen objectives) for onboarding interests."""
    chapter_areas: set[str] = set()
    objective_areas: set[str] = set()
    for interest in interests:
        kind, _, value = interest.partition(":")
        if kind == "chapter" and value.isdigit():
            try:
                chapter_areas.update(a.key for a in report.chapter(int(value)).areas)
            except KeyError:
                continue
        elif kind == "objective" and value.isdigit():
            objective_areas.update(OBJECTIVE_AREAS.get(int(value), ()))
    return chapter_areas, objective_areas
