"""The campaign use cases, split by what changes together.

Each use case is a plain async function that opens one unit of work (`app.work()`), calls `db.campaigns`
and the rules, schedules its jobs and writes its audit entry in that transaction, and returns frozen
results (`results.py`). None of them speaks Discord: the cog renders what they return.

- `lifecycle`: create a campaign, its slots, post and close its card, look campaigns up.
- `signups`: join, leave, the waitlist's offers and their expiry, a member leaving the server.
- `rollcalls`: open, answer, nudge and close roll calls.
- `reminders`: the reminders before the start.
- `invitations`: invite members whose disciplines fit unfilled needs, and the opt-out.
- `exports`: the CSV of sign-ups and the calendar file.
"""
