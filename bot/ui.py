"""Shared UI pieces: one base for persistent buttons and selects, forms that survive a restart, and the
answer for any component or form the bot no longer knows.

A persistent control declares its custom id once, with typed fields:

    class VoteButton(PersistentButton, id="poll:vote:{poll_id:int}:{index:int}"):
        def __init__(self, poll_id: int, index: int, label: str = "Vote") -> None:
            super().__init__(discord.ui.Button(label=label, custom_id=self.make_id(poll_id=poll_id, index=index)))
            self.poll_id, self.index = poll_id, index

        async def callback(self, interaction: discord.Interaction) -> None:
            ...

From that one line the base builds the id (checked against Discord's 100 characters), the pattern that
reads it back, and `from_custom_id`, which calls the constructor with the fields by name. Field kinds:
`int` (a non-negative number that fits a database BIGINT), `code` (up to 25 of 0-9a-z), `word` (up to 32
of a-z, 0-9, `_` and `-`), or a choice such as `{action:ready|decline}`. A segment in square brackets is
optional: `onboarding:btn:{action:word}:{guild_id:int}[:{arg:int}]`; its field is then None when absent.

Ids read back are untrusted: a callback reloads what it acts on and checks guild and permission again.
An id whose fields do not parse (a number too large for the database, say) gets a plain answer instead of
"This interaction failed", and so does any component or form id that nothing in the bot claims.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any, ClassVar, Self, TypeVar

import discord
from discord.ui.item import Item

from bot.errors import answer_error, is_user_facing
from bot.replies import reply, truncate

log = logging.getLogger(__name__)

CUSTOM_ID_LIMIT = 100
BIGINT_MAX = 2**63 - 1
STALE_CONTROL = (
    "This button or menu is out of date, so I can't act on it. Run the command again, or use a newer message."
)
STALE_FORM = (
    "I restarted while this form was open, so I couldn't save it. Nothing was lost: here is what you typed, "
    "to paste into the form when you open it again."
)

ItemT = TypeVar("ItemT", bound=Item[Any])


class InvalidId(ValueError):
    """A custom id whose fields do not parse; the member is answered plainly, nothing is done."""


# ----------------------------------------------------------------------------- id declarations

_FIELD = re.compile(r"\{(?P<name>[a-z_][a-z0-9_]*):(?P<kind>[a-z0-9_|-]+)\}")
# ASCII digits only: `\d` would also match other scripts' digits, which int() reads as the same number.
_KIND_PATTERNS = {"int": r"[0-9]{1,20}", "code": r"[0-9a-z]{0,25}", "word": r"[a-z0-9_-]{1,32}"}


class IdSpec:
    """A custom id declared as `feature:action:{field:kind}[:{optional:kind}]`: builds and parses it."""

    def __init__(self, spec: str) -> None:
        self.spec = spec
        self.kinds: dict[str, str] = {}
        self.optional: set[str] = set()
        self.pattern = re.compile(self._regex(spec))
        self.prefix = spec.split("{", 1)[0].split("[", 1)[0]

    def _regex(self, spec: str) -> str:
        out: list[str] = []
        position = 0
        optional = False
        for index, char in enumerate(spec):
            if index < position:
                continue
            if char == "[":
                out.append("(?:")
                optional = True
                position = index + 1
            elif char == "]":
                out.append(")?")
                optional = False
                position = index + 1
            elif char == "{":
                found = _FIELD.match(spec, index)
                if found is None:
                    raise ValueError(f"bad field in custom id spec {spec!r} at {index}")
                name, kind = found["name"], found["kind"]
                if name in self.kinds:
                    raise ValueError(f"field {name!r} twice in {spec!r}")
                choice = "|".join(re.escape(option) for option in kind.split("|"))
                out.append(f"(?P<{name}>{_KIND_PATTERNS.get(kind, choice)})")
                self.kinds[name] = kind
                if optional:
                    self.optional.add(name)
                position = found.end()
            else:
                out.append(re.escape(char))
                position = index + 1
        return "".join(out)

    def build(self, **values: object) -> str:
        """The custom id for these field values; raises ValueError past Discord's 100 characters."""
        missing = set(self.kinds) - set(values) - self.optional
        extra = set(values) - set(self.kinds)
        if missing or extra:
            raise ValueError(f"{self.spec}: missing {sorted(missing)}, unexpected {sorted(extra)}")
        for name, kind in self.kinds.items():
            number = values.get(name)
            # A number parse() would refuse makes a control that is stale from the start.
            if (
                kind == "int"
                and number is not None
                and not (isinstance(number, int) and 0 <= number <= BIGINT_MAX)
            ):
                raise ValueError(f"{self.spec}: {name}={number!r} is not a number from 0 to {BIGINT_MAX}")

        def segment(text: str) -> str:
            def field(match: re.Match[str]) -> str:
                return str(values[match["name"]])

            return _FIELD.sub(field, text)

        def optional_part(match: re.Match[str]) -> str:
            names = [found["name"] for found in _FIELD.finditer(match[1])]
            return segment(match[1]) if all(values.get(name) is not None for name in names) else ""

        custom_id = segment(re.sub(r"\[([^\]]*)\]", optional_part, self.spec))
        if len(custom_id) > CUSTOM_ID_LIMIT:
            raise ValueError(f"custom id too long ({len(custom_id)} characters): {custom_id[:40]}…")
        if not self.pattern.fullmatch(custom_id):
            raise ValueError(f"custom id {custom_id!r} does not fit {self.spec!r}")
        return custom_id

    def parse(self, match: re.Match[str]) -> dict[str, Any]:
        """The typed fields of a matched id; InvalidId when a number is out of the database's range."""
        values: dict[str, Any] = {}
        for name, kind in self.kinds.items():
            text = match[name]
            if text is None:
                values[name] = None
            elif kind == "int":
                number = int(text)
                if number > BIGINT_MAX:
                    raise InvalidId(f"{name} out of range")
                values[name] = number
            else:
                values[name] = text
        return values


# ----------------------------------------------------------------------------- persistent controls


class PersistentItem(discord.ui.DynamicItem[ItemT], template=r"(?!)"):
    """A button or select that survives restarts; see the module docstring for the declaration."""

    id_spec: ClassVar[IdSpec]
    invalid: bool = False

    def __init_subclass__(cls, *, id: str | None = None, **kwargs: Any) -> None:
        if id is None:
            # An intermediate base (PersistentButton): a template that never matches, and no registration.
            super().__init_subclass__(template=r"(?!)")
            return
        spec = IdSpec(id)
        cls.id_spec = spec
        super().__init_subclass__(template=spec.pattern)
        callback = cls.__dict__.get("callback")
        if callback is not None:
            cls.callback = _guarded(callback)  # type: ignore[method-assign]  # wraps the subclass's own

    @classmethod
    def make_id(cls, **values: object) -> str:
        return cls.id_spec.build(**values)

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: Item[Any], match: re.Match[str], /
    ) -> Self:
        try:
            return cls(**cls.id_spec.parse(match))
        except InvalidId:
            stale = cls.__new__(cls)
            discord.ui.DynamicItem.__init__(stale, item)  # keeps the member's component to answer on
            stale.invalid = True
            return stale


def _guarded(callback: Callable[[Any, discord.Interaction], Awaitable[None]]) -> Any:
    async def run(self: PersistentItem[Any], interaction: discord.Interaction) -> None:
        if self.invalid:
            await reply(interaction, STALE_CONTROL, ephemeral=True)
            return
        await run_guarded(interaction, lambda: callback(self, interaction))

    run.__name__ = getattr(callback, "__name__", "callback")
    return run


class PersistentButton(PersistentItem[discord.ui.Button[Any]]):
    """A persistent button: subclass with `id="feature:action:{field:int}"`."""


class PersistentSelect(PersistentItem[discord.ui.Select[Any]]):
    """A persistent select menu: subclass with `id="feature:action:{field:int}"`."""


async def run_guarded(interaction: discord.Interaction, work: Callable[[], Awaitable[None]]) -> None:
    """Run a persistent control's work, answering its errors the way slash commands answer theirs.

    discord.py hands a DynamicItem's exception only to a throwaway view that logs it, so the member would
    see "This interaction failed": a refusal reaches them instead, and a bug gets an apology and is
    re-raised for the log (and for the tests).
    """
    try:
        await work()
    except Exception as error:
        await answer_error(interaction, error)
        if not is_user_facing(error):
            raise


# ----------------------------------------------------------------------------- views and forms


class CoalitionModal(discord.ui.Modal):
    """A form whose errors reach the member as a clear message, and bugs reach the log."""

    async def on_error(self, interaction: discord.Interaction, error: Exception) -> None:  # type: ignore[override]  # discord.py types the error as Exception here but BaseException in the view
        await answer_error(interaction, error)


class PersistentModal(CoalitionModal):
    """A form that still works when it is submitted after a restart.

    Subclass with `id="feature:form:{field:int}"`; the constructor takes the fields by name. When a
    submission arrives for a form this process never opened, the form is rebuilt from its id and the
    member's answers, and submitted as if nothing had happened.
    """

    id_spec: ClassVar[IdSpec]
    _registry: ClassVar[list[type[PersistentModal]]] = []

    def __init_subclass__(cls, *, id: str | None = None, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if id is not None:
            cls.id_spec = IdSpec(id)
            PersistentModal._registry.append(cls)

    @classmethod
    def make_id(cls, **values: object) -> str:
        return cls.id_spec.build(**values)

    @classmethod
    def rebuild(cls, custom_id: str) -> PersistentModal | None:
        for form in cls._registry:
            match = form.id_spec.pattern.fullmatch(custom_id)
            if match is None:
                continue
            try:
                return form(**form.id_spec.parse(match))
            except InvalidId:
                return None
        return None


def _component_ids(components: list[Any]) -> set[str]:
    found: set[str] = set()
    for component in components:
        custom_id = getattr(component, "custom_id", None)
        if custom_id:
            found.add(custom_id)
        found |= _component_ids(list(getattr(component, "children", []) or []))
    return found


def _typed_answers(components: list[dict[str, Any]]) -> list[str]:
    answers: list[str] = []
    for component in components:
        if "components" in component:
            answers += _typed_answers(component["components"])
        elif "component" in component:
            answers += _typed_answers([component["component"]])
        elif component.get("value"):
            answers.append(str(component["value"]))
    return answers


async def answer_unclaimed(client: discord.Client, interaction: discord.Interaction) -> None:
    """Answer a component or form that nothing in this process will: a stale, forged or unknown id.

    discord.py drops such interactions silently, and the member sees "This interaction failed". The checks
    mirror discord.py's own dispatch (persistent patterns, then views tracked for the message).
    """
    data: dict[str, Any] = dict(interaction.data or {})
    custom_id = str(data.get("custom_id", ""))
    store = client._connection._view_store  # no public way to ask whether a view will take the interaction
    if interaction.type is discord.InteractionType.component:
        component_type = int(data.get("component_type", 0))
        message = interaction.message
        on_message = message is not None and custom_id in _component_ids(list(message.components))
        if on_message and any(pattern.fullmatch(custom_id) for pattern in store._dynamic_items):
            return
        key = (component_type, custom_id)
        if key in store._views.get(message.id if message else None, {}) or key in store._views.get(None, {}):
            return
        await _answer(interaction, STALE_CONTROL)
    elif interaction.type is discord.InteractionType.modal_submit:
        if custom_id in store._modals:
            return
        form = PersistentModal.rebuild(custom_id)
        if form is not None:
            store.add_task(
                form._dispatch_submit(interaction, data.get("components", []), data.get("resolved", {}))
            )
            return
        typed = _typed_answers(data.get("components", []))
        # Backticks are swapped for a look-alike so that typed text cannot close the code block early.
        quoted = [truncate(answer.replace("`", "\u02cb"), 900) for answer in typed]
        text = STALE_FORM + "".join(f"\n```\n{answer}\n```" for answer in quoted)
        await _answer(interaction, truncate(text, 2000) if typed else STALE_CONTROL)


async def _answer(interaction: discord.Interaction, text: str) -> None:
    if interaction.response.is_done():
        return
    try:
        await interaction.response.send_message(text, ephemeral=True)
    except discord.HTTPException:
        log.warning("Could not answer a stale interaction %s", interaction.id, exc_info=True)
