"""The documents a signed-in person downloads from the portal: the licences, the KP
certificate and the import confirmation (signed XML and printed PDF), and the files a case was
given. Each is the API's own handler called with the portal's visitor, so a download is the
same bytes, under the same checks (who may see the case), as through the API."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Depends, Path
from sqlmodel import Session
from starlette.responses import Response

from kp_licensing.api.deps import SessionDep
from kp_licensing.api.permissions import Action
from kp_licensing.api.routes import certificates, documents, licences, permit_documents
from kp_licensing.web.visit import Visit, may

router = APIRouter(include_in_schema=False)

Viewer = Annotated[Visit, Depends(may(Action.view_cases))]
Key = Annotated[str, Path(min_length=1, max_length=64)]
Download = Callable[[str, Visit, Session], Response]

DOWNLOADS: dict[str, Download] = {
    "/licences/{key}/licence.xml": lambda key, v, s: licences.licence_document(
        key, v.principal, s, v.services
    ),
    "/licences/{key}/licence.pdf": lambda key, v, s: licences.licence_pdf(
        key, v.principal, s, v.services
    ),
    "/shipments/{key}/licence.xml": lambda key, v, s: permit_documents.licence_document(
        key, v.principal, s, v.services
    ),
    "/shipments/{key}/licence.pdf": lambda key, v, s: permit_documents.licence_pdf(
        key, v.principal, s, v.services
    ),
    "/shipments/{key}/import-confirmation.xml": lambda key, v, s: (
        permit_documents.confirmation_document(key, v.principal, s, v.services)
    ),
    "/shipments/{key}/import-confirmation.pdf": lambda key, v, s: permit_documents.confirmation_pdf(
        key, v.principal, s, v.services
    ),
    "/certificates/{key}/certificate.xml": lambda key, v, s: certificates.certificate_document(
        key, v.principal, s
    ),
    "/certificates/{key}/certificate.pdf": lambda key, v, s: certificates.certificate_pdf(
        key, v.principal, s, v.services
    ),
    "/files/{key}": lambda key, v, s: documents.content(key, v.principal, s, v.services),
}


def _route(download: Download) -> Callable[[Key, Viewer, SessionDep], Response]:
    def serve(key: Key, visit: Viewer, session: SessionDep) -> Response:
        return download(key, visit, session)

    return serve


for path, download in DOWNLOADS.items():
    router.add_api_route(path, _route(download), methods=["GET"])
