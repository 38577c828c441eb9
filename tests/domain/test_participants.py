"""Registry periods, Participant checks and invalid-certificate matching, without a database."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from pydantic import ValidationError

from kp_licensing.domain import participants as rules
from kp_licensing.domain.errors import Conflict, RuleViolation
from kp_licensing.support.catalogue import render
from schemas.messages import say
from schemas.participants import (
    InvalidCertificate,
    InvalidCertificateBody,
    InvalidityKind,
    NumberSeries,
    ParticipantStatus,
    RegistryEntry,
    RegistryEntryBody,
)

NOW = datetime(2026, 11, 22, tzinfo=UTC)
SOURCE = "Despacho do Chefe do Executivo n.º 23/2025"


def entry(country: str = "VE", **changes: Any) -> RegistryEntry:
    data: dict[str, Any] = {
        "id": 1,
        "country": country,
        "country_name": rules.country_name(country),
        "participant": "Venezuela",
        "status": ParticipantStatus.active,
        "effective_from": date(2025, 3, 1),
        "effective_to": None,
        "source": SOURCE,
        "note": None,
        "created_at": NOW,
        "created_by": "officer",
    }
    return RegistryEntry.model_validate({**data, **changes})


def listing(number: str | None = None, series: NumberSeries | None = None) -> InvalidCertificate:
    return InvalidCertificate(
        id=7,
        issuing_country="AE",
        number=number,
        series=series,
        kind=InvalidityKind.forged,
        reason="Reported by the UAE KP Office",
        source="DMCC notice 12/2026",
        listed_at=NOW,
        listed_by="officer",
    )


# ----------------------------------------------------------------------------- periods


def test_a_period_includes_its_first_day_and_excludes_its_end() -> None:
    ended = entry(effective_from=date(2025, 3, 1), effective_to=date(2026, 1, 1))
    assert not rules.in_force(ended, date(2025, 2, 28))
    assert rules.in_force(ended, date(2025, 3, 1))
    assert rules.in_force(ended, date(2025, 12, 31))
    assert not rules.in_force(ended, date(2026, 1, 1))
    assert rules.in_force(entry(), date(2999, 1, 1))  # open-ended


def test_the_check_follows_the_day_across_a_change_of_status() -> None:
    entries = [
        entry(id=1, effective_to=date(2026, 1, 1)),
        entry(id=2, status=ParticipantStatus.self_suspended, effective_from=date(2026, 1, 1)),
    ]
    assert rules.check("VE", date(2025, 12, 31), entries).active
    after = rules.check("VE", date(2026, 1, 1), entries)
    assert (after.active, after.status, after.entry_id) == (False, "self_suspended", 2)
    before = rules.check("VE", date(2025, 2, 28), entries)
    assert (before.active, before.status, before.participant) == (False, "not_participant", None)


@pytest.mark.parametrize(
    ("new_from", "new_to", "clash"),
    [
        (date(2026, 1, 1), None, False),  # starts on the day the other ends
        (date(2024, 1, 1), date(2025, 3, 1), False),  # ends on the day the other starts
        (date(2025, 12, 31), None, True),  # shares one day
        (date(2024, 1, 1), None, True),  # covers it entirely
        (date(2025, 6, 1), date(2025, 6, 1), False),  # an empty period shares no day
    ],
)
def test_overlaps_are_refused_and_adjacent_periods_allowed(
    new_from: date, new_to: date | None, clash: bool
) -> None:
    existing = [entry(id=4, effective_to=date(2026, 1, 1)), entry(country="US", id=5)]
    refuse = lambda: rules.refuse_overlap(  # noqa: E731
        country="VE", effective_from=new_from, effective_to=new_to, existing=existing
    )
    if not clash:
        refuse()
        return
    with pytest.raises(Conflict) as refused:
        refuse()
    assert refused.value.details == [4]
    assert render(refused.value.message) == (
        "VE already has an entry for part of that period: entry 4 (active, Venezuela, from "
        "2025-03-01 to 2026-01-01 (exclusive)). End it first (the new entry may start on the day "
        "it ends)"
    )


def test_an_overlap_names_the_entries_it_clashes_with() -> None:
    def refused(*existing: RegistryEntry) -> Conflict:
        with pytest.raises(Conflict) as caught:
            rules.refuse_overlap(
                country="VE", effective_from=date(2020, 1, 1), effective_to=None, existing=existing
            )
        return caught.value

    open_ended = refused(entry(id=4))
    assert open_ended.message.code == "registry.overlaps_open_entry"
    assert open_ended.message.params["participant"] == "Venezuela"
    assert "{" not in render(open_ended.message)
    none = entry(id=5, participant=None, status=ParticipantStatus.not_participant)
    assert render(refused(none).message).startswith(
        "VE already has an entry for part of that period: entry 5 (not_participant, no "
        "Participant, from 2025-03-01). End it first"
    )
    ended_none = none.model_copy(update={"effective_to": date(2026, 1, 1)})
    assert refused(ended_none).message.code == "registry.overlaps_entry_of_none"
    assert "to 2026-01-01 (exclusive)" in render(refused(ended_none).message)
    two = refused(
        entry(id=4, effective_to=date(2026, 1, 1)), entry(id=6, effective_from=date(2026, 1, 1))
    )
    assert two.message == say("registry.overlaps_entries", country="VE", entries=[4, 6])
    assert two.details == [4, 6]


def test_an_entry_is_ended_once_never_before_it_starts_and_only_earlier() -> None:
    open_ended = entry(effective_from=date(2025, 3, 1))
    rules.refuse_end(open_ended, date(2025, 3, 1))  # cancels an entry made in error
    with pytest.raises(RuleViolation) as early:
        rules.refuse_end(open_ended, date(2025, 2, 28))
    assert early.value.message == say("registry.end_before_start", entry=1, start=date(2025, 3, 1))
    with pytest.raises(RuleViolation) as later:
        rules.refuse_end(entry(effective_to=date(2026, 1, 1)), date(2026, 6, 1))
    assert later.value.message == say("registry.end_later", entry=1, end=date(2026, 1, 1))
    with pytest.raises(Conflict) as ended:
        rules.refuse_end(entry(ended_at=NOW, ended_by="supervisor"), date(2026, 6, 1))
    assert render(ended.value.message) == (
        "entry 1 was already ended on 2026-11-22 by supervisor; add a new entry instead"
    )


# ------------------------------------------------------------------------------ checks


def test_an_eu_member_state_is_active_under_the_european_union() -> None:
    belgium = entry("BE", participant="European Union", note="One Participant for 27 states")
    answer = rules.check("be", date(2026, 3, 1), [belgium])
    assert (answer.country, answer.country_name, answer.active) == ("BE", "Belgium", True)
    assert (answer.participant, answer.source, answer.reason) == ("European Union", SOURCE, None)


def test_a_self_suspended_country_is_refused_with_its_reason() -> None:
    note = "Trade with it is prohibited."
    answer = rules.check(
        "VE", date(2026, 3, 1), [entry(status=ParticipantStatus.self_suspended, note=note)]
    )
    assert not answer.active
    assert answer.reason is not None
    assert render(answer.reason) == (
        "Venezuela, Bolivarian Republic of (VE) has been self-suspended since 2025-03-01 "
        f"(Venezuela has suspended its own trade in rough diamonds); source: {SOURCE}. {note}"
    )


def test_a_restricted_country_is_not_active_and_says_why() -> None:
    car = entry("CF", participant="Central African Republic", status=ParticipantStatus.restricted)
    answer = rules.check("CF", date(2026, 3, 1), [car])
    assert (answer.active, answer.status) == (False, "restricted")
    assert answer.reason is not None and "administrative decision" in render(answer.reason)


def test_a_country_without_an_entry_is_not_a_participant() -> None:
    answer = rules.check("KP", date(2026, 3, 1), [entry()])
    assert (answer.active, answer.status, answer.source) == (False, "not_participant", None)
    assert answer.reason is not None and render(answer.reason).startswith(
        "Korea, Democratic People's Republic of (KP) is not a KP Participant on 2026-03-01"
    )


def test_unknown_country_codes_are_refused() -> None:
    with pytest.raises(RuleViolation) as unknown:
        rules.country_name("XK")
    assert unknown.value.message == say("country.unknown", code="XK")
    with pytest.raises(ValidationError):
        RegistryEntryBody(
            country="XX",
            participant="Nowhere",
            status=ParticipantStatus.active,
            effective_from=date(2026, 1, 1),
            source=SOURCE,
        )


def test_an_entry_body_needs_a_real_period_and_a_participant_unless_none() -> None:
    base: dict[str, Any] = {"country": " be ", "status": "active", "source": SOURCE}
    with pytest.raises(ValidationError, match=r"field\.effective_period"):
        RegistryEntryBody(
            **base,
            participant="European Union",
            effective_from=date(2026, 1, 1),
            effective_to=date(2026, 1, 1),
        )
    with pytest.raises(ValidationError, match=r"field\.participant_required"):
        RegistryEntryBody(**base, effective_from=date(2026, 1, 1))
    body = RegistryEntryBody(
        **{**base, "status": "not_participant"}, effective_from=date(2026, 1, 1)
    )
    assert (body.country, body.participant) == ("BE", None)


# ------------------------------------------------------------------ invalid certificates


def test_a_single_number_matches_however_it_is_typed() -> None:
    listed = listing(number="AE 123-456")
    assert rules.matches(listed, issuing_country="ae", number="ae123456")
    assert rules.matches(listed, issuing_country="AE", number="AE/123.456")
    assert not rules.matches(listed, issuing_country="AE", number="AE1234567")
    assert not rules.matches(listed, issuing_country="BE", number="AE123456")


@pytest.mark.parametrize(
    ("prefix", "number", "covered"),
    [
        ("AE", "AE123000", True),  # first
        ("AE", "AE123999", True),  # last
        ("AE", "AE122999", False),
        ("AE", "AE124000", False),
        ("AE", "AE0123500", True),  # leading zeros do not count
        ("AE", "AE123500A", False),  # not digits after the prefix
        ("AE", "AE12X500", False),
        ("AE", "AE", False),  # nothing after the prefix
        ("AE", "BE123500", False),  # another prefix
        ("AE-2026-", "AE 2026 123500", True),  # a longer prefix, typed with other separators
        ("AE-2026-", "AE-2025-123500", False),
        ("AE2", "AE2123500", True),  # a prefix ending in a digit
        ("AE2", "AE123500", False),
    ],
)
def test_a_series_covers_numbers_after_its_prefix_within_its_bounds(
    prefix: str, number: str, covered: bool
) -> None:
    series = NumberSeries(prefix=prefix, first="123000", last="123999")
    assert rules.matches(listing(series=series), issuing_country="AE", number=number) is covered


def test_a_listing_is_a_number_or_an_ordered_series() -> None:
    base: dict[str, Any] = {
        "issuing_country": "AE",
        "kind": "forged",
        "reason": "Reported forged",
        "source": "DMCC notice",
    }
    with pytest.raises(ValidationError, match=r"field\.number_or_series"):
        InvalidCertificateBody(**base)
    with pytest.raises(ValidationError, match=r"field\.number_or_series"):
        InvalidCertificateBody(
            **base, number="AE1", series={"prefix": "AE", "first": "1", "last": "2"}
        )
    with pytest.raises(ValidationError, match=r"field\.series_order"):
        NumberSeries(prefix="AE", first="200", last="100")
