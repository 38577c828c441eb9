"""The confirmation of receipt Macao owes the exporting authority for every import cleared
(KPCS; domain.md 1), and the record of its sending. Kept apart from the shipment case's own
models (``schemas/permit.py``): it is a document of its own, with a life after the case."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated

from pydantic import AwareDatetime, BaseModel, Field, StringConstraints

from schemas.common import Body
from schemas.shipment import Party


class ImportConfirmation(BaseModel):
    """The confirmation of receipt Macao owes the exporting authority (KPCS; domain.md 1)."""

    certificate_number: str
    issuing_country: str
    parcels: int
    carats: Decimal
    value_usd: Decimal
    hs_codes: list[str]
    importer: Party
    exporter: Party
    received_on: date
    officer: str
    permit_no: str


class ConfirmationMethod(StrEnum):
    """How an import confirmation reached the exporting authority."""

    email = "email"
    courier = "courier"
    kp_portal = "kp_portal"
    fax = "fax"
    other = "other"


class ConfirmationSentBody(Body):
    """An officer records that an import confirmation was sent: when, how, and a reference
    (an e-mail's message id, a courier's tracking number)."""

    sent_at: AwareDatetime | None = Field(
        default=None, description="When it was sent (with its UTC offset); default: now."
    )
    method: ConfirmationMethod
    reference: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] | None = (
        None
    )


class ConfirmationSent(BaseModel):
    """The record of a confirmation's sending."""

    sent_at: datetime
    method: ConfirmationMethod
    reference: str | None
    recorded_by: str
    recorded_at: datetime


class ConfirmationPublic(BaseModel):
    """An import confirmation owed or sent; ``overdue``: unsent past its due day."""

    case_no: str
    created_at: datetime
    due_on: date = Field(description="The last working day (Macao) to send it on time.")
    overdue: bool
    sent_at: datetime | None
    sent: ConfirmationSent | None
    confirmation: ImportConfirmation
