"""Instruments SimCord: when each interaction got its first answer, and how long SimCord's own code ran.

`Probe.install()` wraps, for the life of the probe, SimCord's REST router (every call the bot makes to
"Discord" goes through it; the first POST to `/interactions/{id}/{token}/callback` is the first answer),
its gateway feed (minus the discord.py parser it calls, which a real bot runs too) and the bookkeeping
helpers of its settle loop: that is `harness_seconds`. It also adds up `idle_seconds`, the time settle
sleeps when the bot has nothing left to run but SimCord's own bookkeeping callbacks are still queued (up to
settle's `idle` interval, 50 ms by default, after each click). The figures divide both by the wall time of
the measured runs to give the harness's share. SimCord's hooks on the event loop (task and callback
tracking) are not timed, so the share is a lower bound.
"""

from __future__ import annotations

import asyncio
import functools
import re
import time
from collections.abc import Callable, Iterable
from typing import Any

import simcord.env as sim_env
import simcord.gateway as sim_gateway
import simcord.http.router as sim_router

_CALLBACK = re.compile(r"^/interactions/(\d+)/[^/]+/callback$")
_SETTLE_HELPERS = (
    "_owned_tasks",
    "_virtualize_recognized_waits",
    "_is_parked",
    "_active_callbacks",
    "_callback_is_parked",
    "_run_due_virtual_callbacks",
)


class Probe:
    """First-answer timestamps per interaction id, and the seconds spent in SimCord's own code."""

    def __init__(self) -> None:
        self.first_answer: dict[int, float] = {}
        self.harness_seconds = 0.0
        self.idle_seconds = 0.0
        self.by_part: dict[str, float] = {}
        self._client_seconds = 0.0
        self._awaited: set[int] = set()
        self._all_answered: asyncio.Future[None] | None = None
        self._undo: list[Callable[[], None]] = []

    # ------------------------------------------------------------------ waiting for answers

    def expect(self, interaction_ids: Iterable[int]) -> asyncio.Future[None]:
        """A future that resolves once every one of these interactions has had its first answer."""
        self._awaited = {i for i in interaction_ids if i not in self.first_answer}
        self._all_answered = asyncio.get_running_loop().create_future()
        if not self._awaited:
            self._all_answered.set_result(None)
        return self._all_answered

    def _answered(self, interaction_id: int) -> None:
        if interaction_id in self.first_answer:
            return
        self.first_answer[interaction_id] = time.perf_counter()
        self._awaited.discard(interaction_id)
        if not self._awaited and self._all_answered is not None and not self._all_answered.done():
            self._all_answered.set_result(None)

    # ------------------------------------------------------------------ installing the wrappers

    def install(self) -> None:
        """Wrap the router, the gateway feed and the settle helpers (call before `env.start()`)."""
        self._patch(sim_router, "dispatch", self._timed_dispatch(sim_router.dispatch))
        self._patch(sim_gateway.FakeGateway, "feed", self._timed_feed(sim_gateway.FakeGateway.feed))
        for name in _SETTLE_HELPERS:
            self._patch(sim_env, name, self._timed(name, getattr(sim_env, name)))
        self._patch(sim_env, "asyncio", _SleepTimer(self))

    def time_client_parsers(self, client: Any) -> None:
        """Time discord.py's own event parsers, so that the gateway's time excludes them (after start)."""
        parsers: dict[str, Callable[..., Any]] = client._connection.parsers
        originals = dict(parsers)
        for event, parser in originals.items():
            parsers[event] = self._timed_client(parser)
        self._undo.append(lambda: parsers.update(originals))

    def uninstall(self) -> None:
        while self._undo:
            self._undo.pop()()

    def _patch(self, owner: Any, name: str, replacement: Any) -> None:
        original = getattr(owner, name)
        setattr(owner, name, replacement)
        self._undo.append(lambda: setattr(owner, name, original))

    def _add(self, part: str, seconds: float) -> None:
        self.harness_seconds += seconds
        self.by_part[part] = self.by_part.get(part, 0.0) + seconds

    def _timed(self, part: str, function: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(function)
        def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                self._add(part, time.perf_counter() - started)

        return timed

    def _timed_client(self, parser: Callable[..., Any]) -> Callable[..., Any]:
        def timed(*args: Any) -> Any:
            started = time.perf_counter()
            try:
                return parser(*args)
            finally:
                self._client_seconds += time.perf_counter() - started

        return timed

    def _timed_feed(self, feed: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(feed)
        def timed(gateway: Any, event: str, payload: Any) -> Any:
            started, client_before = time.perf_counter(), self._client_seconds
            try:
                return feed(gateway, event, payload)
            finally:
                spent = time.perf_counter() - started - (self._client_seconds - client_before)
                self._add("gateway", spent)

        return timed

    def _timed_dispatch(self, dispatch: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(dispatch)
        def timed(backend: Any, method: str, path: str, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                result = dispatch(backend, method, path, **kwargs)
            finally:
                self._add("rest", time.perf_counter() - started)
            # Only a callback that Discord accepted is an answer; one that raised did not reach the member.
            match = _CALLBACK.match(path) if method == "POST" else None
            if match:
                self._answered(int(match[1]))
            return result

        return timed


class _SleepTimer:
    """Stands in for the `asyncio` module inside simcord.env, timing settle's idle sleeps."""

    def __init__(self, probe: Probe) -> None:
        self._probe = probe

    def __getattr__(self, name: str) -> Any:
        return getattr(asyncio, name)

    async def sleep(self, delay: float, result: Any = None) -> Any:
        if delay <= 0:
            return await asyncio.sleep(0, result)
        started = time.perf_counter()
        try:
            return await asyncio.sleep(delay, result)
        finally:
            self._probe.idle_seconds += time.perf_counter() - started
