"""What customs is told of a licence and when (``domain.customs``): one change of the case per
test, and the declaration's parties, countries and certificates per kind of licence."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from kp_licensing.domain import customs
from schemas.customs import (
    CertificateRole,
    CustomsDeclaration,
    CustomsResponse,
    CustomsStatus,
    Found,
    MessageFunction,
)
from schemas.permit import PermitState, PermitStatus
from schemas.shipment import Party
from tests.domain.test_permit_rules import certificate
from tests.factories import permit_start

HOLDER = Party(name="Lotus Diamonds Lda", address="Rua do Campo 1, Macao", country="MO")
AT = datetime(2026, 12, 5, 3, 0, tzinfo=UTC)


def approved(kind: str = "import", **changes: object) -> PermitState:
    extra: dict[str, object] = {}
    if kind in ("import", "transit"):
        # the number as typed (the declaration carries its one form), and the importer a
        # transit goes on to
        extra["foreign_certificate"] = certificate(
            number="AE-123 456",
            importer={"name": "Antwerp Rough", "address": "Antwerp", "country": "BE"},
        )
    if kind == "export":
        extra["source_certificates"] = [
            {"issuing_country": "AE", "number": "AE777", "carats": "10.50"}
        ]
    state = permit_start(1, kind, today=date(2026, 12, 1), **extra).state
    state.status = PermitStatus.approved
    state.permit_no = "IL-2026-00001-58"
    state.issued_on, state.valid_until = date(2026, 12, 1), date(2026, 12, 31)
    return state.model_copy(update=changes)


def declared(state: PermitState) -> PermitState:
    """As the workflow leaves the case once the next declaration is made."""
    function = customs.next_declaration(state)
    assert function is not None
    track = state.customs
    track.version += 1
    if function is MessageFunction.cancellation:
        track.cancelled = True
    else:
        track.declared, track.cancelled = customs.declared_key(state), False
    return state


def first_declaration(state: PermitState) -> CustomsDeclaration:
    """What DSEDT first tells customs of ``state``, for :data:`HOLDER` at :data:`AT`."""
    return customs.declaration(
        state,
        function=MessageFunction.original,
        version=1,
        at=AT,
        holder=HOLDER,
        sender="DSEDT",
        recipient="MOCUSTOMS",
    )


def test_a_message_id_is_the_same_for_a_version_and_fits_edifact() -> None:
    first = customs.message_id("PA-2026-00007", 1)
    assert first == customs.message_id("PA-2026-00007", 1)
    assert first != customs.message_id("PA-2026-00007", 2)
    assert first != customs.message_id("PA-2026-00008", 1)
    assert len(first) == 14 and first.isalnum() and first.upper() == first


def test_a_case_under_review_is_not_declared() -> None:
    state = approved(status=PermitStatus.under_review, permit_no=None)
    assert customs.next_declaration(state) is None


def test_an_approved_import_is_declared_once() -> None:
    state = approved()
    assert customs.next_declaration(state) is MessageFunction.original
    assert customs.next_declaration(declared(state)) is None


def test_a_held_licence_is_taken_back_and_declared_again_when_released() -> None:
    state = declared(approved())
    state.status, state.held_from = PermitStatus.on_hold, PermitStatus.approved
    assert customs.next_declaration(state) is MessageFunction.cancellation
    state = declared(state)
    assert customs.next_declaration(state) is None
    state.status, state.held_from = PermitStatus.approved, None
    assert customs.next_declaration(state) is MessageFunction.replacement


@pytest.mark.parametrize("ended", [PermitStatus.cancelled, PermitStatus.expired])
def test_a_licence_ended_unused_is_taken_back(ended: PermitStatus) -> None:
    state = declared(approved())
    state.status = ended
    assert customs.next_declaration(state) is MessageFunction.cancellation


def test_a_licence_ended_before_it_was_declared_sends_nothing() -> None:
    assert customs.next_declaration(approved(status=PermitStatus.expired)) is None


@pytest.mark.parametrize("used", [PermitStatus.cleared, PermitStatus.completed, PermitStatus.used])
def test_nothing_is_sent_once_customs_cleared_it(used: PermitStatus) -> None:
    state = declared(approved())
    state.status = used
    assert customs.next_declaration(state) is None


def test_an_export_waits_for_its_certificate_and_follows_its_replacement() -> None:
    state = approved("export", permit_no="EL-2026-00001-20")
    assert customs.next_declaration(state) is None
    state.certificate_status, state.certificate_no = "valid", "MO2026000001"
    assert customs.next_declaration(state) is MessageFunction.original
    state = declared(state)
    state.certificate_no = "MO2026000002"  # voided and replaced
    assert customs.next_declaration(state) is MessageFunction.replacement
    state = declared(state)
    state.certificate_status = "voided"  # voided, not replaced
    assert customs.next_declaration(state) is MessageFunction.cancellation


def test_an_import_is_declared_from_abroad_to_its_holder() -> None:
    state = approved()
    made = first_declaration(state)
    assert (made.consignor.name, made.consignee) == ("Emirates Rough", HOLDER)
    assert (made.dispatch_country, made.destination_country) == ("AE", "MO")
    assert [(c.role, c.issuing_country, c.number) for c in made.certificates] == [
        (CertificateRole.travels_under, "AE", "AE123456")
    ]
    assert made.message_id == customs.message_id(state.case_no, 1)
    assert (made.permit_no, made.valid_until, made.carats) == (
        "IL-2026-00001-58",
        date(2026, 12, 31),
        Decimal("10.50"),
    )


def test_an_export_is_declared_from_its_holder_with_every_certificate() -> None:
    state = approved(
        "export",
        permit_no="EL-2026-00001-20",
        certificate_status="valid",
        certificate_no="MO2026000001",
    )
    made = first_declaration(state)
    assert (made.consignor, made.consignee.name) == (HOLDER, "Emirates Rough")
    assert (made.dispatch_country, made.destination_country) == ("MO", "BE")
    assert [(c.role, c.number, c.carats) for c in made.certificates] == [
        (CertificateRole.travels_under, "MO2026000001", None),
        (CertificateRole.drawn_on, "AE777", Decimal("10.50")),
    ]


def test_a_transit_is_declared_between_its_certificates_parties() -> None:
    made = first_declaration(approved("transit", permit_no="TL-2026-00001-85"))
    assert (made.consignor.name, made.consignee.name) == ("Emirates Rough", "Antwerp Rough")
    assert (made.dispatch_country, made.destination_country) == ("AE", "BE")
    assert made.holder == HOLDER


def response(**changes: object) -> CustomsResponse:
    return CustomsResponse.model_validate(
        {
            "message_id": "R1",
            "sender": "MOCUSTOMS",
            "issued_at": datetime(2026, 12, 4, 17, 0, tzinfo=UTC),  # 5 December in Macao
            "declaration_message_id": "D1",
            "status": CustomsStatus.released,
            **changes,
        }
    )


def test_a_release_that_counted_nothing_is_the_goods_as_licensed_on_its_macao_day() -> None:
    state = approved()
    crossing = customs.crossing(state, response(note="all in order"))
    assert crossing.date == date(2026, 12, 5)
    assert (crossing.carats, crossing.parcels, crossing.seals, crossing.seals_intact) == (
        Decimal("10.50"),
        1,
        ["S1"],
        True,
    )
    assert crossing.note == "all in order"


def test_what_customs_counted_is_the_crossing() -> None:
    found = Found(
        carats=Decimal("9.9"), parcels=2, containers=["C1"], seals=["S9"], seals_intact=False
    )
    crossing = customs.crossing(approved(), response(found=found, crossed_on=date(2026, 12, 3)))
    assert (crossing.date, crossing.carats, crossing.parcels, crossing.seals) == (
        date(2026, 12, 3),
        Decimal("9.9"),
        2,
        ["S9"],
    )
    assert crossing.seals_intact is False
