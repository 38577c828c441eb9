"""Builders of valid test data, so each test states only what it varies."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

from sqlmodel import Session

from kp_licensing.domain.clock import macao_date
from kp_licensing.store.models import Document, Licence, Operator, User
from kp_licensing.support.settings import Settings
from schemas.common import Actor, DocumentRef, Role
from schemas.licence import (
    Administrator,
    ApplicantKind,
    Declarations,
    LicenceApplication,
    LicenceStart,
    LicenceState,
    LicenceStatus,
)
from schemas.permit import PermitApplication, PermitStart, PermitState, PermitStatus

#: The document kinds the default settings require of an application.
REQUIRED_DOCUMENTS = Settings().licence_required_documents


def unique(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().hex[:8]}"


def application(**changes: object) -> LicenceApplication:
    data: dict[str, object] = {
        "applicant_kind": ApplicantKind.company,
        "name": "Lotus Rough Diamonds Limitada",
        "business_registration_no": unique("BR"),
        "taxpayer_no": "TX" + uuid.uuid4().hex[:6],
        "establishment_address": "Avenida da Praia Grande 409, 12/F, Macao",
        "administrators": [Administrator(name="Chan Tai Man", id_document_number="1234567(8)")],
        "activities": ["import", "export"],
        "declarations": Declarations(
            start_of_activity_declared=True,
            not_bankrupt=True,
            no_tax_debt=True,
            fit_and_proper=True,
        ),
    }
    data.update(changes)
    return LicenceApplication.model_validate(data)


def document_refs(kinds: list[str] = REQUIRED_DOCUMENTS) -> list[DocumentRef]:
    return [
        DocumentRef(
            id=str(uuid.uuid4()),
            kind=k,
            filename=f"{k}.pdf",
            content_type="application/pdf",
            size=100,
            sha256="0" * 64,
        )
        for k in kinds
    ]


def stored_documents(session: Session, operator_id: int, refs: list[DocumentRef]) -> None:
    """Rows for these document refs, uploaded by a new trader of the operator (a case's
    submission refuses documents the store does not have)."""
    user = User(username=unique("uploader"), full_name="U", role="trader", operator_id=operator_id)
    session.add(user)
    session.flush()
    assert user.id is not None
    for ref in refs:
        session.add(
            Document(
                operator_id=operator_id,
                uploaded_by=user.id,
                **ref.model_dump(
                    include={"id", "kind", "filename", "content_type", "size", "sha256"}
                ),
            )
        )
    session.commit()


def operator_row(session: Session) -> Operator:
    operator = Operator(name="Lotus", kind="company", business_registration_no=unique("BR"))
    session.add(operator)
    session.commit()
    return operator


def actor(role: Role, user_id: int = 1, operator_id: int | None = None) -> Actor:
    return Actor(
        user_id=user_id, username=f"{role.value}{user_id}", role=role, operator_id=operator_id
    )


def licence_start(operator_id: int, **policy: object) -> LicenceStart:
    app = application()
    state = LicenceState(
        case_no=unique("OLA-TEST-"),
        operator_id=operator_id,
        status=LicenceStatus.under_review,
        application=app,
        documents=document_refs(),
        submitted_at=datetime.now(UTC),
        policy=Settings().licence_policy().model_copy(update=policy),
    )
    return LicenceStart(state=state, submitted_by=actor(Role.trader, 7, operator_id))


def permit_start(
    operator_id: int,
    kind: str = "transit",
    today: date | None = None,
    *,
    licence_no: str = "OL-2026-0001-06",
    certificate: bool = False,
    **changes: object,
) -> PermitStart:
    """A shipment case as the service would start it, for a licence valid two more years
    (``today`` as the clock of the Temporal server the case runs on); an export applied for
    with its KP certificate if ``certificate``."""
    today = today or datetime.now(UTC).date()
    application = PermitApplication.model_validate(
        {
            "kind": kind,
            "counterparty": {"name": "Emirates Rough", "address": "Dubai", "country": "AE"},
            "provenance_country": "AE",
            "destination_country": "BE",
            "lines": [
                {"hs_code": "7102.31", "carats": "10.50", "value_usd": "5000", "origin": "BW"}
            ],
            "parcels": 1,
            "containers": ["C1"],
            "seals": ["S1"],
            "expected_date": (today + timedelta(days=3)).isoformat(),
            **changes,
        }
    )
    state = PermitState(
        case_no=unique("PA-TEST-"),
        operator_id=operator_id,
        kind=application.kind,
        status=PermitStatus.under_review,
        application=application,
        documents=document_refs(["commercial_invoice"]),
        submitted_at=datetime.now(UTC),
        policy=Settings().permit_policy(certificate=certificate),
        licence_no=licence_no,
        licence_expires_on=today + timedelta(days=700),
    )
    return PermitStart(state=state, submitted_by=actor(Role.trader, 7, operator_id))


def licence_row(session: Session, operator_id: int, licence_no: str) -> Licence:
    """An operating licence in force, as its projection holds it (what a certificate names as
    its exporter's address)."""
    started = licence_start(operator_id)
    now = datetime.now(UTC)
    row = Licence(
        case_no=started.state.case_no,
        operator_id=operator_id,
        status="active",
        licence_no=licence_no,
        applicant_name="Lotus",
        business_registration_no=started.state.application.business_registration_no,
        issued_on=now.date(),
        expires_on=now.date() + timedelta(days=700),
        submitted_at=now,
        updated_at=now,
        seq=1,
        state=started.state.model_dump(mode="json"),
    )
    session.add(row)
    session.commit()
    return row


def macao_today() -> date:
    """Today in Macao, asked when it is used: licences are issued, and shipments arrive, on
    Macao dates, and a run that crosses Macao's midnight (16:00 UTC) must not compare a date
    taken at import with one the service takes later."""
    return macao_date(datetime.now(UTC))
