"""Free text that members and organizers type: one validator per kind, each naming its field.

Every limit here is checked on the server, after cleaning, so a forged modal or command payload gets the
same answer as the Discord client's own length check. Cleaning:

- drops control characters, format characters (zero-width spaces, word joiners, tag characters and the
  like) and every bidirectional override, embedding, isolate and mark, so none can reach a message;
- keeps the zero-width joiner and non-joiner, which emoji sequences and several scripts need;
- turns every kind of space (and the blank "filler" characters used to fake empty names) into a plain
  space, collapsing runs (single-line fields) or trimming line ends (multi-line fields);
- composes the text (NFC) and caps stacked combining marks, so "zalgo" text cannot bury a card.

Text with no visible character left is blank: refused where the field is required, None where optional.

A use case cleans what it was given before it stores anything (the refusal is a UserFacingError, so the
member sees it as typed here):

    question = text.POLL_QUESTION.clean(question)      # "**Poll question** cannot be blank: ..."
    options = text.clean_options(options)               # "Yes" and "YES" (or with a zero-width space): one
    pronouns = text.PRONOUNS.clean_optional(pronouns)   # None when left blank
    name = text.channel_safe(f"Roll call: {title}")     # no masked link, no mention, at most 100
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from bot.errors import UserFacingError

# Bidirectional overrides, embeddings, isolates and marks: they reorder what follows them on screen.
BIDI_CONTROLS = frozenset(
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069",
)
# Format characters that carry meaning in real text (emoji sequences, Persian, Indic scripts).
_KEPT_FORMAT = frozenset("\u200c\u200d")
# Letters that draw nothing, popular for "blank" names: shown as what they are, a space.
_BLANK_LETTERS = frozenset("\u115f\u1160\u3164\uffa0\u2800")
# More stacked combining marks than any script needs on one letter.
_MAX_MARKS = 4
CHANNEL_NAME_MAX = 100
_LOOSE_JOINERS = re.compile("[\u200c\u200d]+(?=[ \\n]|$)|(?:(?<=[ \\n])|^)[\u200c\u200d]+")


class TextRefused(UserFacingError):
    """Typed text that a field does not accept; the message names the field."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class DuplicateOption(TextRefused):
    """Two options that read the same once case, spacing and invisible characters are ignored."""


@dataclass(frozen=True, slots=True)
class TextField:
    """One kind of free text: the label members know it by, its limits, and whether it spans lines."""

    label: str
    max_length: int
    min_length: int = 1
    multiline: bool = False

    def clean(self, value: str | None) -> str:
        """Return the cleaned text, or raise TextRefused when it is blank, too short or too long."""
        cleaned = self.clean_optional(value)
        if cleaned is None:
            raise TextRefused(self.label, f"**{self.label}** cannot be blank: please write something.")
        return cleaned

    def clean_optional(self, value: str | None) -> str | None:
        """Return the cleaned text, None when it is blank, or raise TextRefused when it is too short or long."""
        cleaned = clean_text(value or "", multiline=self.multiline)
        if not cleaned:
            return None
        if len(cleaned) > self.max_length:
            raise TextRefused(
                self.label,
                f"**{self.label}** is {len(cleaned)} characters long; please keep it to {self.max_length} "
                "or fewer.",
            )
        if len(cleaned) < self.min_length:
            raise TextRefused(
                self.label,
                f"**{self.label}** needs at least {self.min_length} characters; it has {len(cleaned)}.",
            )
        return cleaned


# One declaration per kind of free text; the lengths match (or stay under) the database columns.
DISPLAY_NAME = TextField("Your name", 80)
JOB_TITLE = TextField("Job title", 100)
PRONOUNS = TextField("Pronouns", 40)
ORGANIZATION = TextField("Organization or health department", 120)
JURISDICTION = TextField("Jurisdiction", 100)
STATE = TextField("State", 40)
CODE_OF_CONDUCT = TextField("Code of conduct", 4000, min_length=20, multiline=True)
CAMPAIGN_TITLE = TextField("Campaign title", 100)
CAMPAIGN_DESCRIPTION = TextField("Campaign description", 2000, multiline=True)
SLOT_NAME = TextField("Slot name", 80)
LINK_TITLE = TextField("Link title", 100)
POLL_QUESTION = TextField("Poll question", 200)
POLL_OPTION = TextField("Poll option", 80)
RESOURCE_TITLE = TextField("Resource title", 200, min_length=3)
RESOURCE_SUMMARY = TextField("Resource summary", 1000, multiline=True)
RESOURCE_PUBLISHER = TextField("Publisher", 120)
REJECTION_REASON = TextField("Reason", 500, min_length=3, multiline=True)
DISCIPLINE_NAME = TextField("Discipline name", 60)


def clean_text(text: str, *, multiline: bool = False) -> str:
    """Strip invisible and direction-changing characters and tidy spacing; "" when nothing visible is left."""
    kept = _drop_invisible(unicodedata.normalize("NFC", text), multiline=multiline)
    # Dropping a character can bring a letter and its accent together: compose again.
    kept = _trim_joiners(unicodedata.normalize("NFC", kept))
    if multiline:
        lines = [re.sub(r" +$", "", line) for line in kept.split("\n")]
        cleaned = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip("\n ")
    else:
        cleaned = re.sub(r" {2,}", " ", kept).strip(" ")
    return cleaned if has_visible(cleaned) else ""


def _drop_invisible(text: str, *, multiline: bool) -> str:
    out: list[str] = []
    marks = 0
    for char in text.replace("\r\n", "\n"):
        category = unicodedata.category(char)
        if char in _BLANK_LETTERS or char.isspace() or category == "Zs":
            out.append("\n" if multiline and char in "\n\r\u2028\u2029\x85\x0b\x0c" else " ")
            marks = 0
        elif (
            char in BIDI_CONTROLS
            or category in ("Cc", "Cs")
            or (category == "Cf" and char not in _KEPT_FORMAT)
        ):
            continue
        elif category in ("Mn", "Me"):
            marks += 1
            if marks <= _MAX_MARKS:
                out.append(char)
        else:
            out.append(char)
            marks = 0
    return "".join(out)


def _trim_joiners(text: str) -> str:
    """Drop joiners that join nothing: at either end, or beside a space or line break."""
    return _LOOSE_JOINERS.sub("", text)


def has_visible(text: str) -> bool:
    """True when at least one character draws something: a letter, digit, punctuation or symbol."""
    return any(_draws(char) for char in text)


def _draws(char: str) -> bool:
    if char in _BLANK_LETTERS:
        return False
    category = unicodedata.category(char)
    # "Cn" covers emoji newer than this Python's Unicode tables; they draw.
    return category[0] in "LNPS" or (category == "Cn" and (ord(char) & 0xFFFE) != 0xFFFE)


def option_key(text: str) -> str:
    """The form two options are compared in: compatibility-folded, case-folded, invisible-free, one-spaced."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    visible = "".join(char for char in clean_text(folded) if char not in _KEPT_FORMAT)
    return " ".join(unicodedata.normalize("NFKC", visible).split())


def same_option(first: str, second: str) -> bool:
    """True when two options differ only by case, spacing or invisible characters."""
    return option_key(first) == option_key(second)


def clean_options(values: Iterable[str], field: TextField = POLL_OPTION) -> list[str]:
    """Clean each option and refuse the list when two of them are the same option."""
    cleaned: list[str] = []
    seen: dict[str, str] = {}
    for value in values:
        option = field.clean(value)
        key = option_key(option)
        if key in seen:
            raise DuplicateOption(
                field.label,
                f"**{field.label}** “{option}” is the same as “{seen[key]}”. Each option must be different.",
            )
        seen[key] = option
        cleaned.append(option)
    return cleaned


# Characters that open a masked link or a mention; replaced by look-alikes that Discord does not parse.
# (U+2039 and U+203A are single angle quotation marks, U+FF20 the fullwidth at sign.)
_CHANNEL_LOOKALIKES = str.maketrans(
    {"[": "(", "]": ")", "<": "\u2039", ">": "\u203a", "@": "\uff20", "`": "'"}
)


def channel_safe(name: str, *, max_length: int = CHANNEL_NAME_MAX, label: str = "Channel name") -> str:
    """Turn typed text into a channel or thread name that can form no masked link and no mention."""
    cleaned = clean_text(name).translate(_CHANNEL_LOOKALIKES)
    if not cleaned:
        raise TextRefused(label, f"**{label}** needs at least one letter, digit or symbol.")
    if len(cleaned) > max_length:
        cleaned = cleaned[: max_length - 1].rstrip() + "…"
    return cleaned
