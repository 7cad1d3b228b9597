"""Pytest plugin: fail any test whose SimCord env made a request Discord's API spec rejects."""

from __future__ import annotations

from collections.abc import Generator, Iterable
from pathlib import Path
from typing import Any

import pytest
from simcord.env import Env

from tests.discord_contract import SpecNotFoundError, Violation, check_requests, load_contract

MARKER = "discord_contract"
# The opt-out exists so the checker's own tests can record bad requests on purpose;
# anywhere else a violation is a bug in the bot, so the marker is refused there.
_OPT_OUT_MODULES = frozenset({"test_discord_contract.py"})


def pytest_configure(config: pytest.Config) -> None:
    """Register the opt-out marker and load the spec now, so a missing spec fails the session."""
    config.addinivalue_line(
        "markers",
        f"{MARKER}(skip=True): do not check this test's SimCord requests against Discord's API spec "
        "(reserved for the contract checker's own tests)",
    )
    try:
        load_contract()
    except SpecNotFoundError as exc:
        raise pytest.UsageError(str(exc)) from exc


def _envs(item: pytest.Item) -> Iterable[Env]:
    """Return each distinct SimCord env the test received as a fixture value."""
    funcargs: dict[str, Any] = getattr(item, "funcargs", {})
    unique = {id(value): value for value in funcargs.values() if isinstance(value, Env)}
    return unique.values()


def _opted_out(item: pytest.Item) -> bool:
    marker = item.get_closest_marker(MARKER)
    if marker is None or not marker.kwargs.get("skip", False):
        return False
    if Path(str(item.path)).name not in _OPT_OUT_MODULES:
        pytest.fail(
            f"@pytest.mark.{MARKER}(skip=True) is reserved for the contract checker's own tests; "
            "fix the request instead of opting out.",
            pytrace=False,
        )
    return True


def _report(violations: list[Violation]) -> str:
    lines = "\n".join(f"  {violation}" for violation in violations)
    return f"{len(violations)} request(s) break Discord's API contract (discord-api-spec):\n{lines}"


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, Any, Any]:
    """Check every request the test's SimCord envs recorded once the test body is done."""
    try:
        result = yield
    except Exception as exc:
        # The test already failed; still name the contract breaks, since a request
        # Discord would reject is often why (SimCord itself rejects some of them).
        if not _opted_out(item):
            violations = [v for env in _envs(item) for v in check_requests(env.http_requests)]
            if violations:
                exc.add_note(_report(violations))
        raise
    if _opted_out(item):
        return result
    violations = [v for env in _envs(item) for v in check_requests(env.http_requests)]
    if violations:
        pytest.fail(_report(violations), pytrace=False)
    return result
