"""The public verification page: anyone checks a Macao KP certificate by its number (and the
hash its QR code carries), or by uploading its signed document, in their own language. The
answers are the verification API's (``services.certificates``); the QR code's link, opened in a
browser, comes here. The page runs no script."""

from __future__ import annotations

import re
from typing import Annotated

from anyio import to_thread
from fastapi import APIRouter, Query
from starlette.datastructures import UploadFile
from starlette.responses import Response

from kp_licensing.api.deps import SessionDep
from kp_licensing.api.routes.verification import MAX_UPLOADED_DOCUMENT
from kp_licensing.domain.errors import DomainError
from kp_licensing.services import certificates
from kp_licensing.web.visit import FormErrors, VisitDep
from schemas.certificate import CertificateVerification
from schemas.messages import Message, say

router = APIRouter(include_in_schema=False)

#: The statuses of a genuine certificate that answers for its shipment.
GOOD = frozenset({"valid", "used"})
#: A SHA-256 as the QR code carries it.
DIGEST = re.compile(r"[0-9a-f]{64}")


@router.get("/verify")
def verification_page(
    visit: VisitDep,
    session: SessionDep,
    number: Annotated[str | None, Query(max_length=64)] = None,
    sha256: Annotated[str | None, Query(max_length=64)] = None,
) -> Response:
    """The form, and the answer for the number (and hash) it was given."""
    number = (number or "").strip()
    digest = (sha256 or "").strip().lower() or None
    answer = None
    if number:
        if digest is not None and not DIGEST.fullmatch(digest):
            digest = "0" * 64  # not a hash at all: it matches nothing
        answer = certificates.verify(session, number=number, sha256=digest, address=visit.address)
    return _page(visit, answer, number=number, sha256=sha256 or "")


@router.post("/verify")
async def verification_upload(visit: VisitDep, session: SessionDep) -> Response:
    """The answer for an uploaded signed document."""
    form = await visit.form()
    document = form.get("document")
    if not isinstance(document, UploadFile):
        errors = FormErrors(form=[])
        errors.fields["document"] = _no_file()
        return _page(visit, None, number="", sha256="", errors=errors, status=422)
    data = await document.read(MAX_UPLOADED_DOCUMENT + 1)
    try:
        answer = await to_thread.run_sync(
            lambda: certificates.verify_document(
                session,
                data,
                trust_store=visit.settings.trust_store_file(),
                address=visit.address,
            )
        )
    except DomainError as error:
        return _page(visit, None, number="", sha256="", errors=FormErrors.of(error), status=422)
    return _page(visit, answer, number=answer.number, sha256="")


def _no_file() -> Message:
    return say("portal.verify_choose_file")


def _page(
    visit: VisitDep,
    answer: CertificateVerification | None,
    *,
    number: str,
    sha256: str,
    errors: FormErrors | None = None,
    status: int = 200,
) -> Response:
    return visit.page(
        "verify.html",
        status=status,
        answer=answer,
        values={"number": number, "sha256": sha256},
        errors=errors,
        # Genuine and good for its shipment: still valid, or used by the export it was issued
        # for (what a destination's authority sees when the goods arrive).
        good=answer is not None
        and answer.genuine
        and answer.status is not None
        and answer.status.value in GOOD,
    )
