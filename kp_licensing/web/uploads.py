"""The documents a form carries: one file per kind of document. Each is uploaded through the
same service as the API's uploads (type sniffed, size and quota checked) before the form's
application is judged, so a form refused for another reason keeps them: the page offers them
again as already uploaded (``kept.<kind>``, checked to be the operator's own on the next try),
and a person never picks the same files twice."""

from __future__ import annotations

from collections.abc import Iterable

from anyio import to_thread
from sqlmodel import Session
from starlette.datastructures import FormData

from kp_licensing.api.routes.documents import chunks_of
from kp_licensing.domain.errors import DomainError
from kp_licensing.services import documents
from kp_licensing.web.visit import FormErrors, Visit, files
from schemas.common import DocumentRef


async def upload_documents(
    visit: Visit, session: Session, form: FormData, kinds: Iterable[str]
) -> tuple[dict[str, DocumentRef], FormErrors]:
    """``kind -> document`` for every kind given now or kept from an earlier try, and the
    problem of each file refused (under its field's name, ``document.<kind>``)."""
    actor = visit.principal.actor
    store = visit.services.documents
    kept: dict[str, DocumentRef] = {}
    errors = FormErrors()
    for kind in kinds:
        field = f"document.{kind}"
        given = files(form, field)
        if given:
            upload = given[0]
            try:
                kept[kind] = await documents.upload(
                    session,
                    store,
                    actor=actor,
                    limits=documents.UploadLimits.of(visit.settings),
                    chunks=chunks_of(upload),
                    kind=kind,
                    filename=upload.filename,
                    declared_type=upload.content_type,
                )
            except DomainError as refused:
                errors.fields[field] = refused.message
            continue
        earlier = form.get(f"kept.{kind}")
        if isinstance(earlier, str) and earlier:
            ref = await to_thread.run_sync(_own, session, visit, earlier[:64])
            if ref is not None:
                kept[kind] = ref
    return kept, errors


def _own(session: Session, visit: Visit, document_id: str) -> DocumentRef | None:
    """A document kept from an earlier try, if it is the operator's own (else the form asks
    for the file again)."""
    try:
        return documents.metadata(
            session, visit.services.documents, actor=visit.principal.actor, document_id=document_id
        )
    except DomainError:
        return None
