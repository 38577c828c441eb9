"""The registry as migration 0002 seeds it, and the store's promises: history is kept, periods
never overlap (even for concurrent writers), listings are found until withdrawn."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta

import pytest

from kp_licensing.domain.errors import Conflict
from kp_licensing.services import registry
from kp_licensing.services.audit import Origin
from kp_licensing.store.db import SessionFactory
from kp_licensing.store.models import utcnow
from kp_licensing.support.catalogue import render
from schemas.common import Actor, Role
from schemas.participants import (
    EndEntryBody,
    InvalidCertificateBody,
    ParticipantStatus,
    RegistryEntryBody,
)

OFFICER = Origin(
    actor=Actor(user_id=901, username="officer-store", role=Role.officer), address="192.0.2.1"
)
SUPERVISOR = Origin(
    actor=Actor(user_id=902, username="supervisor-store", role=Role.supervisor),
    address="192.0.2.2",
)
DAY = date(2026, 11, 22)
EU = {"AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE"}
EU |= {"IT", "LV", "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE"}


def body(
    country: str, start: date, end: date | None = None, **changes: object
) -> RegistryEntryBody:
    data: dict[str, object] = {
        "country": country,
        "participant": "Test Participant",
        "status": "active",
        "effective_from": start,
        "effective_to": end,
        "source": "Despacho do Chefe do Executivo n.º 99/2030",
    }
    return RegistryEntryBody.model_validate({**data, **changes})


@pytest.mark.parametrize(
    ("country", "on", "active", "status", "participant"),
    [
        ("BE", DAY, True, "active", "European Union"),
        ("US", DAY, True, "active", "United States of America"),
        ("MO", DAY, True, "active", "China"),
        ("HK", DAY, True, "active", "China"),
        ("VE", DAY, False, "self_suspended", "Venezuela"),
        ("CF", DAY, False, "restricted", "Central African Republic"),
        ("KP", DAY, False, "not_participant", None),
        ("TW", DAY, False, "not_participant", None),
        ("GB", date(2020, 6, 1), True, "active", "European Union"),
        ("GB", date(2021, 1, 1), True, "active", "United Kingdom"),
        ("UZ", date(2024, 11, 14), False, "not_participant", None),
        ("UZ", date(2024, 11, 15), True, "active", "Uzbekistan"),
        ("US", date(2019, 9, 30), False, "not_participant", None),  # before Lei 15/2019
    ],
)
def test_the_seed_answers(
    sessions: SessionFactory,
    country: str,
    on: date,
    active: bool,
    status: str,
    participant: str | None,
) -> None:
    with sessions() as session:
        answer = registry.check_participant(session, country=country, on=on)
    assert (answer.active, answer.status, answer.participant) == (active, status, participant)
    assert (answer.reason is None) == active


def test_the_seed_has_the_eu_27_and_says_where_it_comes_from(sessions: SessionFactory) -> None:
    with sessions() as session:
        eu = registry.list_entries(session, participant="european union", on=DAY)
        venezuela = registry.check_participant(session, country="VE", on=DAY)
        everyone = registry.list_entries(session, on=DAY)
    assert {e.country for e in eu} == EU
    assert venezuela.reason is not None
    assert "self-suspended since 2019-10-01" in render(venezuela.reason)
    assert "23/2025" in (venezuela.source or "")
    participants = {
        e.participant for e in everyone if e.status != ParticipantStatus.not_participant
    }
    assert len(participants) == 60
    assert all(e.created_by == "system" for e in eu)


def test_an_ended_entry_keeps_its_history(sessions: SessionFactory) -> None:
    with sessions() as session:
        added = registry.add_entry(session, by=OFFICER, entry=body("BV", date(2030, 1, 1)))
        end = EndEntryBody(
            effective_to=date(2031, 1, 1), reason="Suspended its trade", source="Despacho 1/2031"
        )
        ended = registry.end_entry(session, by=SUPERVISOR, entry_id=added.id, end=end)
        successor = registry.add_entry(
            session,
            by=OFFICER,
            entry=body("BV", date(2031, 1, 1), status="self_suspended"),
        )
        with pytest.raises(Conflict) as ended_twice:
            registry.end_entry(session, by=OFFICER, entry_id=added.id, end=end)
        assert ended_twice.value.message.code == "registry.entry_already_ended"
        history = registry.list_entries(session, country="BV")
        before = registry.check_participant(session, country="BV", on=date(2030, 12, 31))
        after = registry.check_participant(session, country="BV", on=date(2031, 1, 1))
    assert [e.id for e in history] == [added.id, successor.id]
    first = history[0]
    assert (first.effective_from, first.effective_to, first.effective_to_before_end) == (
        date(2030, 1, 1),
        date(2031, 1, 1),
        None,
    )
    assert (first.created_by, first.ended_by) == ("officer-store", "supervisor-store")
    assert (first.end_reason, first.end_source) == ("Suspended its trade", "Despacho 1/2031")
    assert first == ended and first.ended_at is not None
    assert before.active and (after.active, after.entry_id) == (False, successor.id)


def test_an_overlapping_entry_is_refused_and_nothing_is_written(sessions: SessionFactory) -> None:
    with sessions() as session:
        first = registry.add_entry(
            session, by=OFFICER, entry=body("HM", date(2030, 1, 1), date(2032, 1, 1))
        )
        with pytest.raises(Conflict) as overlap:
            registry.add_entry(session, by=OFFICER, entry=body("HM", date(2031, 6, 1)))
        assert overlap.value.message.code.startswith("registry.overlaps_")
        assert overlap.value.message.params["entry"] == str(first.id)
        assert [e.id for e in registry.list_entries(session, country="HM")] == [first.id]


def test_concurrent_overlapping_entries_cannot_both_be_added(sessions: SessionFactory) -> None:
    """Eight officers add overlapping entries for one country at once: exactly one succeeds."""

    def add(offset: int) -> str:
        with sessions() as session:
            start = date(2040, 1, 1) + timedelta(days=offset)
            try:
                registry.add_entry(session, by=OFFICER, entry=body("TF", start))
            except Conflict:
                return "refused"
            return "added"

    with ThreadPoolExecutor(8) as pool:
        outcomes = list(pool.map(add, range(8)))
    assert sorted(outcomes) == ["added"] + ["refused"] * 7
    with sessions() as session:
        assert len(registry.list_entries(session, country="TF")) == 1


def test_a_listing_is_found_until_it_is_withdrawn(sessions: SessionFactory) -> None:
    prefix = f"AE-{uuid.uuid4().hex[:6]}-"
    before_listing = utcnow()
    series = InvalidCertificateBody.model_validate(
        {
            "issuing_country": "ae",
            "series": {"prefix": prefix, "first": "123000", "last": "123999"},
            "kind": "forged",
            "reason": "Blank forms stolen in transit",
            "source": "UAE KP Office notice",
        }
    )
    with sessions() as session:
        listed = registry.mark_invalid(session, by=OFFICER, listing=series)
        # The same listing again (a retried request) is that listing; another is a 409.
        assert registry.mark_invalid(session, by=OFFICER, listing=series) == listed
        other = series.model_copy(update={"reason": "Another account of it"})
        with pytest.raises(Conflict) as taken:
            registry.mark_invalid(session, by=OFFICER, listing=other)
        assert taken.value.message.code == "listing.series_already_listed"
        assert taken.value.message.params["listing_id"] == str(listed.id)
        number = f"{prefix}123456".lower()
        found = registry.find_invalid(session, issuing_country="AE", number=number)
        assert found is not None and found.id == listed.id
        assert (
            registry.find_invalid(session, issuing_country="AE", number=f"{prefix}124000") is None
        )
        assert registry.find_invalid(session, issuing_country="BE", number=number) is None
        assert (
            registry.find_invalid(session, issuing_country="AE", number=number, at=before_listing)
            is None
        )
        while_listed = utcnow()
        withdrawn = registry.withdraw_invalid(
            session, by=SUPERVISOR, listing_id=listed.id, reason="Forms recovered unused"
        )
        with pytest.raises(Conflict) as again:
            registry.withdraw_invalid(session, by=OFFICER, listing_id=listed.id, reason="x")
        assert again.value.message.code == "listing.already_withdrawn"
        assert again.value.message.params["withdrawn_by"] == SUPERVISOR.actor.username  # type: ignore[union-attr]
        assert registry.find_invalid(session, issuing_country="AE", number=number) is None
        then = registry.find_invalid(session, issuing_country="AE", number=number, at=while_listed)
        assert then is not None and then.id == listed.id
        current = {x.id for x in registry.list_invalid(session, issuing_country="AE")}
        everything = registry.list_invalid(session, issuing_country="AE", include_withdrawn=True)
    assert listed.id not in current
    kept = next(x for x in everything if x.id == listed.id)
    assert kept == withdrawn
    assert (kept.listed_by, kept.withdrawn_by) == ("officer-store", "supervisor-store")
    assert kept.withdrawal_reason == "Forms recovered unused"
    assert kept.series is not None and kept.series.prefix == prefix.replace("-", "").upper()
