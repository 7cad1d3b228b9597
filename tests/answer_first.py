"""Pytest plugin: record, per interaction, whether SQL ran before the bot's first answer to it.

An interaction "arrives" when SimCord emits INTERACTION_CREATE and is "answered" when the bot's
`POST /interactions/{id}/{token}/callback` reaches SimCord's request log. Every statement the bot's engine
runs while an interaction is arrived but unanswered is charged to it. Tests drive interactions one at a
time (SimCord settles after each), so the charge is exact there.

Exempt, with the reason:
- autocomplete (interaction type 4): its only response carries the data, so it cannot answer first;
- a command listed in PREFILLED_MODALS: it answers with a modal whose fields are pre-filled from the
  database, and a modal cannot follow a deferral (so its refusals, read from the same rows, come first too).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from simcord.env import Env
from sqlalchemy import event

AUTOCOMPLETE = 4
# Commands that answer with a form pre-filled from stored rows, and that form.
PREFILLED_MODALS: dict[str, str] = {
    "/campaign kit-edit words": "KitWordsModal: the kit's talking points, key messages and hashtags",
    "/profile edit": "ProfileEditForm: the member's profile section (the other options defer first)",
    "/setup code-of-conduct": "CodeOfConductModal: the server's current code of conduct",
}


@dataclass
class Answered:
    """One interaction the bot received, and what ran before its first answer."""

    interaction_id: str
    kind: int
    name: str
    start: int
    statements: list[str] = field(default_factory=list)
    callback_type: int | None = None

    @property
    def exempt(self) -> str | None:
        if self.kind == AUTOCOMPLETE:
            return "autocomplete answers with its data"
        if self.name in PREFILLED_MODALS:
            return f"answers with a pre-filled form ({PREFILLED_MODALS[self.name]})"
        return None

    @property
    def violates(self) -> bool:
        return bool(self.statements) and self.exempt is None


def _name(payload: Any) -> str:
    data = payload.get("data") or {}
    if payload.get("type") in (2, 4):
        parts = [str(data.get("name", ""))]
        options = data.get("options") or []
        while options and options[0].get("type") in (1, 2):
            parts.append(str(options[0]["name"]))
            options = options[0].get("options") or []
        return "/" + " ".join(parts)
    return str(data.get("custom_id", ""))


class AnswerFirst:
    """Watch one SimCord env and its bot's engine."""

    def __init__(self, env: Env) -> None:
        self.env = env
        self.seen: list[Answered] = []
        backend = env.backend
        original_emit = backend.emit

        def emit(event_name: str, payload: Any) -> None:
            if event_name == "INTERACTION_CREATE":
                self.seen.append(
                    Answered(
                        str(payload["id"]), int(payload["type"]), _name(payload), len(backend.http_requests)
                    )
                )
            original_emit(event_name, payload)

        backend.emit = emit  # type: ignore[method-assign]
        self.engine = env.bot.database.engine.sync_engine  # type: ignore[attr-defined]
        event.listen(self.engine, "before_cursor_execute", self._statement)

    def close(self) -> None:
        event.remove(self.engine, "before_cursor_execute", self._statement)

    def _refresh(self) -> None:
        requests = self.env.backend.http_requests
        for seen in self.seen:
            if seen.callback_type is not None:
                continue
            prefix = f"/interactions/{seen.interaction_id}/"
            for request in requests[seen.start :]:
                if (
                    request.method == "POST"
                    and request.path.startswith(prefix)
                    and request.path.endswith("/callback")
                ):
                    seen.callback_type = int((request.json or {}).get("type", 0))
                    break

    def _statement(self, _conn: object, _cursor: object, statement: str, *_args: object) -> None:
        self._refresh()
        for seen in self.seen:
            if seen.callback_type is None:
                seen.statements.append(statement.split(None, 1)[0].upper() if statement else "?")

    def take(self) -> list[Answered]:
        """Return the interactions seen since the last call, with their answers resolved."""
        self._refresh()
        taken, self.seen = self.seen, [s for s in self.seen if s.callback_type is None]
        return taken

    def violations(self, seen: list[Answered]) -> list[str]:
        return [
            f"{s.name}: {len(s.statements)} statement(s) ({', '.join(s.statements[:4])}) before its first "
            f"answer (callback {s.callback_type})"
            for s in seen
            if s.violates
        ]


@pytest.fixture
def answer_first(simcord_env: Env) -> Iterator[AnswerFirst]:
    """Watch the test's bot for interactions that touched the database before answering."""
    watcher = AnswerFirst(simcord_env)
    yield watcher
    watcher.close()


@pytest.fixture(autouse=True)
def answer_first_audit(request: pytest.FixtureRequest) -> Iterator[None]:
    """With ANSWER_FIRST_AUDIT=<file>, append every violation in any SimCord test to that file (an audit)."""
    target = os.environ.get("ANSWER_FIRST_AUDIT")
    if not target or "simcord_env" not in request.fixturenames:
        yield
        return
    watcher = AnswerFirst(request.getfixturevalue("simcord_env"))
    yield
    watcher.close()
    found = watcher.violations(watcher.take())
    if found:
        with open(target, "a", encoding="utf-8") as audit:
            audit.writelines(f"{request.node.nodeid}\t{line}\n" for line in found)
