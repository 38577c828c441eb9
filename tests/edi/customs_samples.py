"""One customs declaration and one response for the tests of every rendering (signed XML,
CUSDEC, CUSRES), so that each test states only what it varies and all of them hold the
renderings to the same message: awkward where a real one is (Chinese and Portuguese, a line
break in an address, decimals written with trailing zeros, mixed origin). And how the EDIFACT
tests read an interchange's segments and change its message."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

from edi import edifact
from edi.edifact import Segment
from schemas.customs import (
    CertificateRole,
    CustomsDeclaration,
    CustomsResponse,
    CustomsStatus,
    DeclaredCertificate,
    Found,
    MessageFunction,
    ResponseError,
)
from schemas.shipment import Party, PermitKind, ShipmentLine

MACAO = timezone(timedelta(hours=8))
#: The declaration's message id, which its responses answer.
DECLARATION_ID = "D7QK2ABCDEF123"
#: When customs answers: the day after the declaration, in UTC.
ANSWERED_AT = datetime(2026, 12, 5, 9, 0, 5, tzinfo=UTC)


def declaration(**changes: Any) -> CustomsDeclaration:
    fields: dict[str, Any] = {
        "message_id": DECLARATION_ID,
        "function": MessageFunction.original,
        "version": 1,
        "issued_at": datetime(2026, 12, 4, 15, 30, 12, tzinfo=MACAO),
        "sender": "DSEDT",
        "recipient": "MOCUSTOMS01",
        "kind": PermitKind.export,
        "case_no": "PA-2026-00017",
        "permit_no": "EL-2026-00017-42",
        "valid_from": date(2026, 12, 4),
        "valid_until": date(2027, 2, 2),
        "holder": Party(
            name="Lotus Rough Diamonds Limitada 蓮花毛坯鑽石有限公司",
            address="Av. da Praia Grande 409, Edifício Comercial Rodrigues, 12.º andar\nMacau",
            country="MO",
        ),
        "operating_licence_no": "OL-2025-0003-17",
        "consignor": Party(
            name="Lotus Rough Diamonds Limitada", address="Av. da Praia Grande 409", country="MO"
        ),
        "consignee": Party(
            name="Antwerp Rough NV", address="Hoveniersstraat 2, 2018 Antwerpen", country="BE"
        ),
        "dispatch_country": "MO",
        "destination_country": "BE",
        "lines": [
            ShipmentLine(
                hs_code="7102.10",
                carats=Decimal("120.500"),
                value_usd=Decimal("54000.00"),
                origin="***",
            ),
            ShipmentLine(
                hs_code="7102.31", carats=Decimal("80.1"), value_usd=Decimal("36000"), origin="ZA"
            ),
        ],
        "parcels": 3,
        "containers": ["MSKU1234567"],
        "seals": ["S-001", "S-002"],
        "certificates": [
            DeclaredCertificate(
                role=CertificateRole.travels_under, issuing_country="MO", number="MO2026000017"
            ),
            DeclaredCertificate(
                role=CertificateRole.drawn_on,
                issuing_country="BW",
                number="BW/2026-0042",
                carats=Decimal("12.25"),
            ),
        ],
    }
    return CustomsDeclaration(**{**fields, **changes})


def found(**changes: Any) -> Found:
    """What customs counted of :func:`declaration`'s goods: fewer carats, seals broken."""
    fields: dict[str, Any] = {
        "carats": Decimal("119.500"),
        "parcels": 3,
        "containers": ["MSKU1234567"],
        "seals": ["S-001", "S-002"],
        "seals_intact": False,
    }
    return Found(**{**fields, **changes})


def response(status: CustomsStatus = CustomsStatus.accepted, **changes: Any) -> CustomsResponse:
    """Customs' answer to :func:`declaration`, with what customs sends along with ``status``: a
    rejection's errors, a release's or discrepancy's day and count."""
    fields: dict[str, Any] = {
        "message_id": "R20261205A1",
        "sender": "MOCUSTOMS01",
        "issued_at": ANSWERED_AT,
        "declaration_message_id": DECLARATION_ID,
        "permit_no": "EL-2026-00017-42",
        "status": status,
    }
    match status:
        case CustomsStatus.rejected:
            fields["errors"] = [
                ResponseError(code="E0412", text="Seal S-002: not on the licence?"),
                ResponseError(code="KP-7.1"),
            ]
        case CustomsStatus.released | CustomsStatus.discrepancy:
            fields["crossed_on"] = date(2026, 12, 5)
            fields["found"] = found(seals_intact=status is CustomsStatus.released)
    return CustomsResponse(**{**fields, **changes})


def segments(data: bytes) -> list[str]:
    """An EDIFACT rendering's segments as written (the default separators, ``?'`` inside a
    value), UNA aside."""
    return [s[:-1] for s in re.findall(r"(?:\?.|[^?'])*'", data.decode().removeprefix("UNA:+.? '"))]


def rewrite(data: bytes, change: Callable[[list[Segment]], list[Segment]]) -> bytes:
    """A rendered interchange with its message body changed (UNT recounted)."""
    read = edifact.parse(data)
    message = read.messages[0]
    return edifact.write(
        replace(read, messages=(replace(message, body=tuple(change(list(message.body)))),))
    )
