"""The audit chain's verification, one kind of tampering at a time (``domain.audit``)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from kp_licensing.domain.audit import GENESIS, Sealed, content, seal, verify

KEY = b"k" * 32
T0 = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)


def _chain(n: int, key: bytes = KEY) -> list[Sealed]:
    entries, prev = [], GENESIS
    for seq in range(1, n + 1):
        fields = content(
            seq=seq,
            at=T0 + timedelta(seconds=seq),
            action="sign_in",
            outcome="succeeded",
            actor_id=seq,
            actor=f"user{seq}",
            actor_role="officer",
            target=f"user:{seq}",
            address="203.0.113.7",
            details={"n": str(seq)},
        )
        entries.append(Sealed(content=fields, prev_hash=prev, hash=seal(key, prev, fields)))
        prev = entries[-1].hash
    return entries


def _head(entries: list[Sealed]) -> tuple[int, str]:
    return (entries[-1].seq, entries[-1].hash) if entries else (0, GENESIS)


def _codes(entries: list[Sealed], head: tuple[int, str], key: bytes = KEY) -> list[str]:
    return [m.code for m in verify(entries, head=head, key=key)]


def test_an_intact_chain_and_an_empty_one_verify() -> None:
    entries = _chain(5)
    assert _codes(entries, _head(entries)) == []
    assert _codes([], (0, GENESIS)) == []


def test_an_altered_entry_is_found() -> None:
    entries = _chain(5)
    changed = {**entries[2].content, "actor": "someone_else"}
    tampered = [*entries[:2], replace(entries[2], content=changed), *entries[3:]]
    assert _codes(tampered, _head(entries)) == ["audit.altered"]


def test_an_entry_resealed_without_the_key_is_found_by_the_next_link() -> None:
    entries = _chain(5)
    changed = {**entries[2].content, "actor": "someone_else"}
    forged = seal(b"guess" * 8, entries[2].prev_hash, changed)
    tampered = [*entries[:2], Sealed(changed, entries[2].prev_hash, forged), *entries[3:]]
    assert _codes(tampered, _head(entries)) == ["audit.altered", "audit.out_of_chain"]


def test_a_removed_entry_is_found() -> None:
    entries = _chain(5)
    tampered = entries[:2] + entries[3:]
    assert _codes(tampered, _head(entries)) == ["audit.missing", "audit.out_of_chain"]


def test_swapped_entries_are_found() -> None:
    entries = _chain(5)
    third, fourth = entries[2], entries[3]
    swapped = [
        replace(fourth, content={**fourth.content, "seq": 3}),
        replace(third, content={**third.content, "seq": 4}),
    ]
    codes = _codes([*entries[:2], *swapped, entries[4]], _head(entries))
    assert codes.count("audit.altered") == 2 and "audit.out_of_chain" in codes


def test_entries_cut_off_the_end_disagree_with_the_head() -> None:
    entries = _chain(5)
    assert _codes(entries[:3], _head(entries)) == ["audit.head_mismatch"]


def test_another_key_fails_every_entry() -> None:
    entries = _chain(3)
    assert _codes(entries, _head(entries), key=b"other" * 8) == ["audit.altered"] * 3
