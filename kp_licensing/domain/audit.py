"""The audit trail's seals: each entry's HMAC-SHA256 over its content and the seal of the entry
before it, so that changing, removing or reordering entries breaks the chain where it was done.

Keyed (``KP_AUDIT_KEY``), not a bare hash: someone who can write to the database but does not
hold the key cannot seal a rewritten chain again. Cutting entries off the end leaves a shorter
valid chain; the head row, and the structured log line each entry is also written to (which
carries its position and seal), show where it ended.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from schemas.messages import Message, say

#: The seal before the first entry.
GENESIS = "0" * 64


@dataclass(frozen=True)
class Sealed:
    """An entry as stored: its content, the seal it follows and its own."""

    content: Mapping[str, Any]
    prev_hash: str
    hash: str

    @property
    def seq(self) -> int:
        return int(self.content["seq"])


def content(
    *,
    seq: int,
    at: datetime,
    action: str,
    outcome: str,
    actor_id: int | None,
    actor: str,
    actor_role: str | None,
    target: str,
    address: str,
    details: Mapping[str, str],
) -> dict[str, Any]:
    """What a seal covers, in the one form it is computed over (times in UTC to the
    microsecond, as both databases keep them)."""
    return {
        "seq": seq,
        "at": at.astimezone(UTC).isoformat(timespec="microseconds"),
        "action": action,
        "outcome": outcome,
        "actor_id": actor_id,
        "actor": actor,
        "actor_role": actor_role,
        "target": target,
        "address": address,
        "details": dict(details),
    }


def seal(key: bytes, prev_hash: str, fields: Mapping[str, Any]) -> str:
    body = json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hmac.new(key, f"{prev_hash}\n{body}".encode(), hashlib.sha256).hexdigest()


def verify(entries: Iterable[Sealed], *, head: tuple[int, str], key: bytes) -> list[Message]:
    """Every break in the chain of ``entries`` (in order of position), and between its last
    entry and ``head`` (position, seal); none for an intact trail."""
    problems = []
    expected, prev = 1, GENESIS
    for entry in entries:
        if entry.seq != expected:
            problems.append(say("audit.missing", first=expected, last=entry.seq - 1))
        if entry.prev_hash != prev:
            problems.append(say("audit.out_of_chain", seq=entry.seq))
        if not hmac.compare_digest(seal(key, entry.prev_hash, entry.content), entry.hash):
            problems.append(say("audit.altered", seq=entry.seq))
        expected, prev = entry.seq + 1, entry.hash
    if head != (expected - 1, prev):
        problems.append(say("audit.head_mismatch", head=head[0], last=expected - 1))
    return problems
