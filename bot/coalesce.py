"""Redraw a live message (a sign-up card, a poll's counts) once a burst of changes drains."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

log = logging.getLogger(__name__)


class Coalescer:
    """Redraw a message once a burst of changes has drained, not once per change.

    Work that changes a message runs inside `busy(key)`; a refresh requested meanwhile waits until no such
    work is left, so 200 simultaneous clicks end in one or two edits. A refresh never waits longer than
    `max_wait` seconds under a steady stream of changes, and at most one refresh per key is in flight;
    requests made during it fold into one more. No timer holds a lone update back.
    """

    def __init__(self, max_wait: float = 2.0) -> None:
        self.max_wait = max_wait
        self._dirty: dict[Any, Callable[[], Awaitable[None]]] = {}
        self._busy: dict[Any, int] = {}
        self._waiting_since: dict[Any, float] = {}
        self._tasks: dict[Any, asyncio.Task[None]] = {}

    @contextlib.contextmanager
    def busy(self, key: Any) -> Iterator[None]:
        self._busy[key] = self._busy.get(key, 0) + 1
        try:
            yield
        finally:
            self._busy[key] -= 1
            if not self._busy[key]:
                del self._busy[key]
                if key in self._dirty:
                    self._start(key)

    def request(self, key: Any, refresh: Callable[[], Awaitable[None]]) -> None:
        self._dirty[key] = refresh
        waiting_since = self._waiting_since.setdefault(key, time.monotonic())
        overdue = time.monotonic() - waiting_since >= self.max_wait
        if key not in self._busy or overdue:
            self._start(key)

    def _start(self, key: Any) -> None:
        if key not in self._tasks:
            self._tasks[key] = asyncio.create_task(self._loop(key), name=f"refresh-{key}")

    async def _loop(self, key: Any) -> None:
        try:
            while (refresh := self._dirty.pop(key, None)) is not None:
                self._waiting_since.pop(key, None)
                try:
                    await refresh()
                except Exception:
                    log.exception("Could not refresh %s", key)
        finally:
            self._tasks.pop(key, None)

    def cancel_all(self) -> None:
        for task in self._tasks.values():
            task.cancel()
        self._tasks.clear()
        self._dirty.clear()
