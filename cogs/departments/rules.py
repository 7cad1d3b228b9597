"""How a typed department name is folded, so that "Travis County HD" and "Travis County Health Department" meet.

Plain rules, no I/O: the fold keeps the words that tell departments apart (the place, "city", "district")
and drops the ones every department shares ("health", "department", "county", "public", "of", …).
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass

# Words (after lower-casing and expanding abbreviations) that every health department's name may carry.
GENERIC_WORDS = frozenset(
    {"health", "department", "public", "of", "the", "for", "and", "county", "local", "agency", "office"}
)
# Words that never tell two names apart, dropped even from a name made only of generic words.
FILLER_WORDS = frozenset({"of", "the", "for", "and"})
# Abbreviations folded to what they stand for (several words where they stand for several).
ABBREVIATIONS = {
    "hd": "health department",
    "lhd": "local health department",
    "dept": "department",
    "dep": "department",
    "dpt": "department",
    "dph": "department public health",
    "doh": "department health",
    "phd": "public health department",
    "ph": "public health",
    "co": "county",
    "cnty": "county",
    "cty": "county",
    "hlth": "health",
    "pub": "public",
}
NAME_MAX = 120
ALIAS_SEPARATOR = "|"
_NON_WORD = re.compile(r"[^0-9a-z]+")


def fold_words(text: str) -> list[str]:
    """Lower-case, drop punctuation and expand abbreviations into plain words."""
    plain = text.casefold().replace("&", " and ").replace("'", "").replace("\u2019", "")
    words: list[str] = []
    for word in _NON_WORD.sub(" ", plain).split():
        words.extend(ABBREVIATIONS.get(word, word).split())
    return words


def department_key(text: str) -> str:
    """The key two spellings of one department share: its distinctive words in order.

    A name made only of generic words ("Dept. of Health") keeps them (fillers aside), so it still has a key.
    """
    words = fold_words(text)
    distinctive = [word for word in words if word not in GENERIC_WORDS]
    fallback = [word for word in words if word not in FILLER_WORDS] or words
    return " ".join(distinctive or fallback)[:NAME_MAX]


def clean_name(text: str) -> str:
    """A name or alias as typed, with runs of spaces folded."""
    return " ".join(text.split())


def split_aliases(text: str | None) -> list[str]:
    """Aliases typed as `a | b | c`, cleaned, blanks dropped."""
    return [clean_name(part) for part in (text or "").split(ALIAS_SEPARATOR) if clean_name(part)]


@dataclass(frozen=True, slots=True)
class ImportRow:
    line: int
    name: str
    aliases: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class RejectedRow:
    line: int
    reason: str


def parse_csv(text: str) -> tuple[list[ImportRow], list[RejectedRow]]:
    """Read `name,aliases` rows (aliases separated by `|`); each bad row is reported with its line."""
    reader = csv.reader(io.StringIO(text))
    rows: list[ImportRow] = []
    rejected: list[RejectedRow] = []
    for cells in reader:
        line = reader.line_num
        if not any(cell.strip() for cell in cells):
            continue
        if line == 1 and cells[0].strip().casefold() == "name":
            continue  # the header
        if len(cells) > 2:
            rejected.append(
                RejectedRow(line, "has more than two columns (put every alias in the second, `|`)")
            )
            continue
        name = clean_name(cells[0])
        aliases = tuple(split_aliases(cells[1] if len(cells) > 1 else ""))
        problem = name_problem(name) or next(filter(None, map(name_problem, aliases)), None)
        if problem:
            rejected.append(RejectedRow(line, problem))
            continue
        rows.append(ImportRow(line, name, aliases))
    return rows, rejected


def name_problem(name: str) -> str | None:
    if not name:
        return "has no department name"
    if len(name) > NAME_MAX:
        return f"has a name or alias of {len(name)} characters (at most {NAME_MAX})"
    if not _NON_WORD.sub("", name.casefold()):
        return f"has a name with no letters or digits: {name!r}"
    return None
