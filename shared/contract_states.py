"""The contract version and the closed vocabularies of states: a cell's terminal status, a
run's status and stage, and a job's purpose.

Separate from the message types because every part of the contract and most services test
these values (``ANSWERED``, ``TERMINAL_RUN``) without needing any message.
"""

from __future__ import annotations

from typing import Literal

CONTRACT_VERSION = 1

# Terminal statuses of a cell. "ok", "filtered" and "truncated" are answers (a content filter is
# a valid, reportable outcome; "truncated" was stopped at the output-token cap: answered but
# incomplete, so analysed and also flagged); everything else is a classified failure.
# shared/errors.py maps exceptions onto these.
CellStatus = Literal[
    "ok",
    "filtered",
    "truncated",
    "auth_error",
    "config_error",
    "bad_request",
    "rate_limited",
    "upstream_error",
    "timeout",
    "unreachable",
    "malformed",
    "circuit_open",
    "deadline_exceeded",
    "crashed",
    "budget_exceeded",
]
ANSWERED: frozenset[str] = frozenset({"ok", "filtered", "truncated"})
# Answers that nonetheless belong in a report's failures table: the reader must see them.
FLAGGED: frozenset[str] = frozenset({"filtered", "truncated"})

RunStatus = Literal["running", "complete", "partial", "failed"]
TERMINAL_RUN: frozenset[str] = frozenset({"complete", "partial", "failed"})
Stage = Literal["accepted", "dispatched", "running", "reporting", "done"]
# "answer": a cell's question for a model; "judge": a judging prompt about a stored answer
# (issue #12), an ordinary job on the judge model's subject with cell id "<cell>:judge".
JobPurpose = Literal["answer", "judge"]
