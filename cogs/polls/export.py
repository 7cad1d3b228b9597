"""A poll's CSV exports: totals (every runoff round for a ranked poll) and, for named polls, each ballot."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from cogs.polls import tally
from db.polls import StoredBallot

if TYPE_CHECKING:
    from cogs.polls.service import PollInfo


def csv_cell(value: object) -> str:
    """A cell as text, quoted when a spreadsheet would run it as a formula."""
    # A cell starting with = + - @ (or a tab or carriage return) would run as a formula in a spreadsheet.
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def totals_csv(poll: PollInfo, outcome: tally.Outcome) -> str:
    """Votes per option (every round for a ranked poll), ballots, quorum and winner."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    if poll.kind == "ranked":
        rounds = outcome.rounds
        writer.writerow(["option", *(f"round {r.number}" for r in rounds), "eliminated in round"])
        for index, option in enumerate(poll.options):
            out = next((str(r.number) for r in rounds if r.eliminated == index), "")
            writer.writerow([csv_cell(option), *(r.counts.get(index, "") for r in rounds), out])
        writer.writerow(["exhausted ballots", *(r.exhausted for r in rounds), ""])
    else:
        total = sum(outcome.counts)
        writer.writerow(["option", "votes", "share"])
        for index, option in enumerate(poll.options):
            writer.writerow(
                [csv_cell(option), outcome.counts[index], tally.percent(outcome.counts[index], total)]
            )
    writer.writerow(["ballots", outcome.ballots])
    if poll.quorum:
        writer.writerow(["quorum", poll.quorum, "met" if outcome.quorum_met else "not met"])
    winners = "; ".join(poll.options[index] for index in outcome.winners)
    writer.writerow(["winner", csv_cell(winners)])
    return buffer.getvalue()


def ballots_csv(poll: PollInfo, ballots: Sequence[StoredBallot], name_of: Callable[[int], str]) -> str:
    """Each ballot of a named poll with its voter's id and name, when it was cast, and its choices."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["voter_id", "voter", "cast_at", "choices"])
    joiner = " > " if poll.kind == "ranked" else "; "
    for ballot in ballots:
        writer.writerow(
            [
                ballot.voter_id or "",
                csv_cell(name_of(ballot.voter_id) if ballot.voter_id else ""),
                ballot.cast_at.isoformat() if ballot.cast_at else "",
                csv_cell(joiner.join(poll.options[index] for index in ballot.choices)),
            ]
        )
    return buffer.getvalue()
