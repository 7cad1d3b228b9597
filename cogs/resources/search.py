"""Search rules: kinds, recommendation filters, autocomplete choices, pages and "did you mean" (plain Python).

How words are indexed, matched and ranked is storage's contract with both databases
(`db.resources.words`); it is re-exported here for the feature's own use.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass

from cogs.resources import report
from db.resources.models import SUMMARY_MAX, TITLE_MAX
from db.resources.words import QUERY_MAX, STOPWORDS, fold, matches_prefixes, query_terms, tokens

__all__ = [
    "KINDS",
    "PAGE_SIZE",
    "QUERY_MAX",
    "SUMMARY_MAX",
    "TITLE_MAX",
    "RecommendationFilter",
    "area_choices",
    "clamp_page",
    "did_you_mean",
    "fold",
    "jump_pages",
    "kind_label",
    "matches_prefixes",
    "page_count",
    "parse_kind",
    "parse_recommendation",
    "query_terms",
    "recommendation_choices",
    "tokens",
    "truncate_choice",
]

PAGE_SIZE = 5

KINDS: dict[str, str] = {
    "toolkit": "Toolkit",
    "report": "Report",
    "course": "Course",
    "dataset": "Dataset",
    "case_study": "Case study",
    "talking_points": "Talking points",
    "other": "Other",
}


def kind_label(kind: str) -> str:
    return KINDS.get(kind, "Other")


def parse_kind(text: str) -> str | None:
    """The kind key for a key or label typed in any case ("Case study", "case_study"), or None."""
    folded = re.sub(r"[\s_-]+", "_", (text or "").strip().casefold())
    if folded in KINDS:
        return folded
    return next((key for key, label in KINDS.items() if label.casefold().replace(" ", "_") == folded), None)


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
