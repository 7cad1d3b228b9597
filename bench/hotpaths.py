"""The timed interactions: each hot path one click at a time, and a burst of clicks on one card.

Both bots get the very same interactions (the bare bot on cards with made-up ids). Payloads are built
before the clock starts; a run times, per interaction, INTERACTION_CREATE to the first accepted callback
(see bench/probe.py), and for the whole run the wall time, the process's CPU time (every thread, so
SQLite's worker threads too) and the seconds spent inside SimCord's own code.
"""

from __future__ import annotations

import asyncio
import contextlib
import statistics
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import simcord.env as sim_env
from simcord.env import Env

from bench.harness import click_payload, command_payload
from bench.probe import Probe
from bench.world import Fixtures, Scale, SimWorld
from bot.errors import is_user_facing

PATHS = ("signup", "withdraw", "vote", "search", "onboarding_step", "campaign_mine")
Click = tuple[Any, dict[str, Any]]
# Settle's idle interval for the hot paths: short, so that the run is not mostly SimCord sleeping between
# clicks (the burst's settle-each mode keeps SimCord's default, as the tests' `member.click` does).
QUICK_IDLE = 0.001
SIMCORD_IDLE = 0.05
BATCH = 20  # clicks per timed batch; ephemeral views expire between batches (see expire_views)
EPHEMERAL_VIEW_LIFETIME = 15 * 60 + 1


@dataclass(frozen=True, slots=True)
class Run:
    """One timed series of interactions and what it cost."""

    count: int
    answered: int
    wall_s: float
    cpu_s: float
    harness_s: float
    idle_s: float
    first_answer_ms: tuple[float, ...]
    errors: int
    harness_parts: dict[str, float]
    live_tasks: int  # most bot tasks pending after a batch (every settle inspects each of them)

    def summary(self) -> dict[str, Any]:
        per = max(1, self.count)
        return {
            "count": self.count,
            "answered": self.answered,
            "wall_s": round(self.wall_s, 4),
            "harness_s": round(self.harness_s + self.idle_s, 4),
            "settle_idle_s": round(self.idle_s, 4),
            "wall_ms_per": round(1000 * self.wall_s / per, 3),
            # The bot's own time: the wall time less SimCord's code and settle's idle sleeps.
            "own_ms_per": round(1000 * max(0.0, self.wall_s - self.harness_s - self.idle_s) / per, 3),
            "cpu_ms_per": round(1000 * self.cpu_s / per, 3),
            "harness_share": round((self.harness_s + self.idle_s) / self.wall_s, 4) if self.wall_s else 0.0,
            "per_second": round(self.count / self.wall_s, 1) if self.wall_s else 0.0,
            "first_answer_ms": spread(self.first_answer_ms),
            "errors": self.errors,
            "live_tasks_after": self.live_tasks,
            "harness_parts_s": {part: round(seconds, 4) for part, seconds in self.harness_parts.items()},
        }


def spread(values: Sequence[float]) -> dict[str, float]:
    """Median, 99th percentile (nearest rank) and maximum, in the unit given."""
    if not values:
        return {"median": 0.0, "p99": 0.0, "max": 0.0}
    ordered = sorted(values)
    p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
    return {
        "median": round(statistics.median(ordered), 3),
        "p99": round(p99, 3),
        "max": round(ordered[-1], 3),
    }


# ---------------------------------------------------------------------------------- the payloads


def path_clicks(path: str, world: SimWorld, fixtures: Fixtures, first: int, count: int) -> list[Click]:
    """Interactions `first` to `first + count` of one hot path, each by a different member.

    Built just before they are sent: SimCord dates each interaction, and one built before the clock moves
    would be expired by the time it arrives.
    """
    env, messages = world.env, fixtures.messages
    picked = range(first, first + count)
    group = {"signup": 0, "withdraw": 0, "vote": 1, "search": 2, "campaign_mine": 3}.get(path)
    members = (
        [world.members[group * fixtures_span(fixtures) + i] for i in picked] if group is not None else []
    )
    join = f"campaign:join:{fixtures.signup_campaign}:{fixtures.signup_slot}"
    if path == "signup":
        return [click_payload(env, m, messages["signup"], join) for m in members]
    if path == "withdraw":
        leave = f"campaign:leave:{fixtures.signup_campaign}"
        return [click_payload(env, m, messages["signup"], leave) for m in members]
    if path == "vote":
        return [
            click_payload(env, m, messages["poll"], f"poll:vote:{fixtures.poll}:{i % fixtures.poll_options}")
            for i, m in zip(picked, members, strict=True)
        ]
    if path in ("search", "campaign_mine"):
        channel = world.channel("general")
        if path == "campaign_mine":
            return [command_payload(env, m, channel, "campaign mine") for m in members]
        queries = [fixtures.searches[i % len(fixtures.searches)] for i in picked]
        return [
            command_payload(env, m, channel, "resources search", {"query": query})
            for m, query in zip(members, queries, strict=True)
        ]
    if path == "onboarding_step":
        begin = f"onboarding:btn:begin:{fixtures.guild_id}"
        newcomers = [world.members[fixtures.newcomers[i]] for i in picked]
        return [click_payload(env, m, messages["welcome"], begin) for m in newcomers]
    raise ValueError(f"unknown hot path {path!r}")


def fixtures_span(fixtures: Fixtures) -> int:
    """How many interactions each path times: the members set aside per path (as many as the newcomers)."""
    return len(fixtures.newcomers)


def burst_clicks(world: SimWorld, fixtures: Fixtures, mode: int, count: int) -> list[Click]:
    """`count` different members clicking Sign up on the card of burst campaign `mode` (0 or 1)."""
    campaign, slot = fixtures.burst_campaigns[mode]
    card = fixtures.messages[f"burst{mode}"]
    return [
        click_payload(world.env, m, card, f"campaign:join:{campaign}:{slot}") for m in world.members[:count]
    ]


def warm_up_clicks(world: SimWorld, fixtures: Fixtures) -> list[Click]:
    """The organizer once through each path (bar onboarding), so no figure pays for first-use caches."""
    env, organizer, channel = world.env, world.organizer, world.channel("general")
    join = f"campaign:join:{fixtures.signup_campaign}:{fixtures.signup_slot}"
    return [
        command_payload(env, organizer, channel, "resources search", {"query": "health"}),
        command_payload(env, organizer, channel, "campaign mine"),
        click_payload(env, organizer, fixtures.messages["poll"], f"poll:vote:{fixtures.poll}:0"),
        click_payload(env, organizer, fixtures.messages["signup"], join),
        click_payload(
            env, organizer, fixtures.messages["signup"], f"campaign:leave:{fixtures.signup_campaign}"
        ),
    ]


# ------------------------------------------------------------------------------------ the runs


async def run_each(env: Env, probe: Probe, clicks: Sequence[Click], *, idle: float = QUICK_IDLE) -> Run:
    """One interaction at a time, SimCord's settle after each (`member.click` settles with idle=0.05)."""
    before = _Meter(env, probe)
    starts: dict[int, float] = {}
    for record, payload in clicks:
        starts[record.id] = time.perf_counter()
        env.backend.emit("INTERACTION_CREATE", payload)
        await env.settle(idle=idle)
    return before.run(clicks, starts)


async def run_settle_free(
    env: Env, probe: Probe, clicks: Sequence[Click], *, wait_at_most: float = 600.0
) -> Run:
    """Every interaction at once; wait until each has its first answer, then settle once."""
    before = _Meter(env, probe)
    all_answered = probe.expect(record.id for record, _ in clicks)
    starts: dict[int, float] = {}
    for record, payload in clicks:
        starts[record.id] = time.perf_counter()
        env.backend.emit("INTERACTION_CREATE", payload)
    # An interaction never answered is counted below as unanswered; the run goes on without it.
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(all_answered, wait_at_most)
    await env.settle(idle=QUICK_IDLE)
    return before.run(clicks, starts)


class _Meter:
    """Readings taken before a run, turned into a `Run` after it."""

    def __init__(self, env: Env, probe: Probe) -> None:
        self.env, self.probe = env, probe
        self.errors = len(env.errors)
        self.harness = probe.harness_seconds
        self.idle = probe.idle_seconds
        self.parts = dict(probe.by_part)
        self.cpu = time.process_time()
        self.wall = time.perf_counter()

    def run(self, clicks: Sequence[Click], starts: dict[int, float]) -> Run:
        wall, cpu = time.perf_counter() - self.wall, time.process_time() - self.cpu
        answers = self.probe.first_answer
        latencies = tuple(
            1000 * (answers[record.id] - starts[record.id]) for record, _ in clicks if record.id in answers
        )
        errors = [error for error in self.env.errors[self.errors :] if not is_user_facing(error)]
        return Run(
            count=len(clicks),
            answered=len(latencies),
            wall_s=wall,
            cpu_s=cpu,
            harness_s=self.probe.harness_seconds - self.harness,
            idle_s=self.probe.idle_seconds - self.idle,
            first_answer_ms=latencies,
            errors=len(errors),
            live_tasks=live_tasks(self.env),
            harness_parts={
                part: seconds - self.parts.get(part, 0.0)
                for part, seconds in self.probe.by_part.items()
                if seconds - self.parts.get(part, 0.0) >= 0.0005
            },
        )


async def run_hot_paths(world: SimWorld, probe: Probe, fixtures: Fixtures, scale: Scale) -> dict[str, Run]:
    """Warm up, then time each hot path with settle after every interaction."""
    await run_each(world.env, probe, warm_up_clicks(world, fixtures))
    await expire_views(world.env)
    count = fixtures_span(fixtures)
    results = {}
    for path in PATHS:
        runs = []
        for start in range(0, count, BATCH):
            clicks = path_clicks(path, world, fixtures, start, min(BATCH, count - start))
            runs.append(await run_each(world.env, probe, clicks))
            await expire_views(world.env)
        results[path] = combined(runs)
        _forget_history(world.env)
    return results


async def expire_views(env: Env) -> None:
    """Let SimCord's clock pass the 15 minutes after which discord.py drops an ephemeral message's view.

    discord.py keeps a timer task per ephemeral message sent with a view, and SimCord's settle inspects
    every live task on every turn: left alone they would make each click slower than the one before, which
    is the harness's cost, not the bot's. Done between batches, outside the timed runs.
    """
    await env.advance_time(EPHEMERAL_VIEW_LIFETIME)


def combined(runs: Sequence[Run]) -> Run:
    """Several batches of one path as one run."""
    parts: dict[str, float] = {}
    for run in runs:
        for part, seconds in run.harness_parts.items():
            parts[part] = parts.get(part, 0.0) + seconds
    return Run(
        count=sum(run.count for run in runs),
        answered=sum(run.answered for run in runs),
        wall_s=sum(run.wall_s for run in runs),
        cpu_s=sum(run.cpu_s for run in runs),
        harness_s=sum(run.harness_s for run in runs),
        idle_s=sum(run.idle_s for run in runs),
        first_answer_ms=tuple(ms for run in runs for ms in run.first_answer_ms),
        errors=sum(run.errors for run in runs),
        harness_parts=parts,
        live_tasks=max((run.live_tasks for run in runs), default=0),
    )


async def run_bursts(world: SimWorld, probe: Probe, fixtures: Fixtures, scale: Scale) -> dict[str, Run]:
    """The same burst twice on two fresh cards: settle after every click, then settle-free."""
    count = min(scale.burst, len(world.members))
    each = await run_each(world.env, probe, burst_clicks(world, fixtures, 1, count), idle=SIMCORD_IDLE)
    _forget_history(world.env)
    free = await run_settle_free(world.env, probe, burst_clicks(world, fixtures, 0, count))
    _forget_history(world.env)
    return {"settle_each": each, "settle_free": free}


def live_tasks(env: Env) -> int:
    """How many bot-owned tasks are still pending (each live View with a timeout keeps one)."""
    state = env._settlement_state()
    return sum(1 for task in sim_env._owned_tasks(state) if not task.done())


def _forget_history(env: Env) -> None:
    """Drop SimCord's request log and transcript between runs: they only grow, and cost memory, not time."""
    env.backend.http_requests.clear()
    env.backend.transcript.clear()
