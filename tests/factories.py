"""Builders of valid test data, so each test states only what it varies."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlmodel import Session

from kp_licensing.settings import Settings
from kp_licensing.store.models import Operator
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
