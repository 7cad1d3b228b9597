"""Counting ballots: plurality counts, quorum, and instant-runoff for ranked polls (no discord, no SQL).

A ballot is a list of option indexes: one for a single-choice poll, up to N for a multiple-choice poll,
and an order of preference (first choice first) for a ranked poll.

Instant-runoff tie rule, stated once here and shown to members with the result: when several options
share the fewest votes in a round, the one with the fewest first-preference votes (round 1) is
eliminated; if they are still tied, the one listed last on the ballot is eliminated. The rule is
deterministic, so the same ballots always give the same result, and it also settles a final-round tie.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

TIE_RULE = (
    "Ties for last place: the option with fewer first-preference votes is eliminated first; "
    "if still tied, the one listed last."
)
FEWER_FIRST_PREFERENCES = "fewer first-preference votes"
LISTED_LAST = "still tied, so the one listed last"
BAR_WIDTH = 12


@dataclass(frozen=True)
class Round:
    """One round of an instant runoff: votes per continuing option, and who goes out."""

    number: int
    counts: dict[int, int]
    exhausted: int
    eliminated: int | None = None
    # True when the elimination needed the tie rule (several options shared the fewest votes).
    tie_broken: bool = False
    # Which part of the tie rule decided it: FEWER_FIRST_PREFERENCES or LISTED_LAST.
    tie_reason: str | None = None

    @property
    def continuing_votes(self) -> int:
        return sum(self.counts.values())


@dataclass(frozen=True)
class RunoffResult:
    rounds: list[Round]
    winner: int | None


@dataclass(frozen=True)
class Outcome:
    """The result of a poll as members see it."""

    ballots: int
    # Votes per option: plurality counts, or the final runoff round (0 for eliminated options).
    counts: list[int]
    winners: list[int] = field(default_factory=list)
    quorum: int | None = None
    rounds: list[Round] = field(default_factory=list)

    @property
    def first_preferences(self) -> list[int]:
        """Ranked polls: first choices per option (round 1); other polls: the counts themselves."""
        if not self.rounds:
            return list(self.counts)
        first = self.rounds[0].counts
        return [first.get(index, 0) for index in range(len(self.counts))]

    @property
    def quorum_met(self) -> bool:
        return quorum_met(self.ballots, self.quorum)

    @property
    def tied(self) -> bool:
        return len(self.winners) > 1


def quorum_met(ballots: int, quorum: int | None) -> bool:
    """True when no quorum was set or enough ballots were cast."""
    return quorum is None or ballots >= quorum


def count_choices(option_count: int, ballots: Sequence[Sequence[int]]) -> list[int]:
    """Votes per option for single- and multiple-choice ballots (each option counted once per ballot)."""
    counts = [0] * option_count
    for ballot in ballots:
        for index in set(ballot):
            if 0 <= index < option_count:
                counts[index] += 1
    return counts


def leaders(counts: Sequence[int]) -> list[int]:
    """The options with the most votes (several on a tie; none when nobody voted)."""
    top = max(counts, default=0)
    return [index for index, count in enumerate(counts) if count == top] if top > 0 else []


def instant_runoff(option_count: int, ballots: Sequence[Sequence[int]]) -> RunoffResult:
    """Count ranked ballots by instant runoff, keeping every round."""
    continuing = set(range(option_count))
    rounds: list[Round] = []
    first_preferences: dict[int, int] | None = None
    while continuing:
        counts = dict.fromkeys(sorted(continuing), 0)
        exhausted = 0
        for ballot in ballots:
            choice = next((index for index in ballot if index in continuing), None)
            if choice is None:
                exhausted += 1
            else:
                counts[choice] += 1
        if first_preferences is None:
            first_preferences = dict(counts)
        total = sum(counts.values())
        number = len(rounds) + 1
        if total == 0:
            rounds.append(Round(number, counts, exhausted))
            return RunoffResult(rounds, None)
        top = max(counts, key=lambda index: (counts[index], -index))
        if counts[top] * 2 > total or len(continuing) == 1:
            rounds.append(Round(number, counts, exhausted))
            return RunoffResult(rounds, top)
        fewest = min(counts.values())
        last = [index for index in counts if counts[index] == fewest]
        eliminated = max(last, key=lambda index: (-first_preferences.get(index, 0), index))
        reason = None
        if len(last) > 1:
            fewest_first = min(first_preferences.get(index, 0) for index in last)
            still_tied = [index for index in last if first_preferences.get(index, 0) == fewest_first]
            reason = LISTED_LAST if len(still_tied) > 1 else FEWER_FIRST_PREFERENCES
        rounds.append(
            Round(number, counts, exhausted, eliminated, tie_broken=len(last) > 1, tie_reason=reason)
        )
        continuing.discard(eliminated)
    return RunoffResult(rounds, None)  # pragma: no cover - the loop always returns


def outcome(
    kind: str, option_count: int, ballots: Sequence[Sequence[int]], quorum: int | None = None
) -> Outcome:
    """The poll's result: counts, winners and, for ranked polls, every runoff round."""
    if kind == "ranked":
        runoff = instant_runoff(option_count, ballots)
        final = runoff.rounds[-1].counts if runoff.rounds else {}
        counts = [final.get(index, 0) for index in range(option_count)]
        winners = [runoff.winner] if runoff.winner is not None else []
        return Outcome(len(ballots), counts, winners, quorum, runoff.rounds)
    counts = count_choices(option_count, ballots)
    return Outcome(len(ballots), counts, leaders(counts), quorum)


def bar(count: int, most: int, width: int = BAR_WIDTH) -> str:
    """A text bar for an embed, proportional to the largest count."""
    filled = round(width * count / most) if most else 0
    return "█" * filled + "░" * (width - filled)


def percent(count: int, total: int) -> str:
    return f"{100 * count / total:.0f}%" if total else "0%"
