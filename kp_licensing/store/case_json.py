"""A case's stored JSON, as text: what a case read answers with.

The projection stores each case's whole state (``state``) as the JSON of its schema. A read
fetches that text and the owner only: no ORM object, no JSON decoding into dicts; the API
validates the text against the schema in one pass (pydantic-core) and sends it.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Text, cast, select
from sqlmodel import Session

from kp_licensing.store.certificate_models import CertificateCase
from kp_licensing.store.models import Licence
from kp_licensing.store.permit_models import Permit


@dataclass(slots=True)
class StoredCase:
    """Who owns the case (for the ownership rule) and its state's JSON text."""

    operator_id: int
    state_json: str


def stored_case(
    session: Session, table: type[Licence] | type[Permit] | type[CertificateCase], case_no: str
) -> StoredCase | None:
    columns = table.__table__.c  # type: ignore[union-attr]
    row = session.execute(
        select(columns.operator_id, cast(columns.state, Text)).where(columns.case_no == case_no)
    ).first()
    return None if row is None else StoredCase(row[0], row[1])
