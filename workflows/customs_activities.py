"""Activities of the customs exchange: declaring a licence (build, sign, put in the outbox) and
pushing a declaration to a customs endpoint that wants it pushed. Both idempotent: a declaration
by (case, version), a push by the outbox row's acknowledgement."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import httpx
from temporalio import activity
from temporalio.exceptions import ApplicationError

from edi import cusdec, customs_xml
from edi.signer import Signer
from kp_licensing.domain import customs
from kp_licensing.store import customs as outbox
from kp_licensing.store import licences
from kp_licensing.store.customs_models import CustomsOutbox
from kp_licensing.store.db import SessionFactory
from kp_licensing.support.settings import Settings
from schemas.permit import DeclarationRequest, Declared

DECLARE_ACTIVITY = "customs.declare"
#: The failure of a declaration that cannot be made from what the case holds (its holder's
#: licence missing, a document its schema refuses): not retried; the case records it.
IMPOSSIBLE = "DeclarationImpossible"
PUSH_ACTIVITY = "customs.push"
#: Who acknowledged a pushed declaration (a pulled one names the customs account).
PUSHED = "push"
XML = "application/xml"
EDIFACT = "application/EDIFACT"


@dataclass(frozen=True)
class CustomsLink:
    """How this worker reaches customs (from the settings): the codes on the EDI network, and
    the endpoint declarations are pushed to, if any."""

    sender: str
    office: str
    push_url: str = ""
    push_token: str = ""
    push_format: str = "xml"
    push_timeout: float = 30.0

    @classmethod
    def of(cls, settings: Settings) -> CustomsLink:
        return cls(
            sender=settings.edi_sender,
            office=settings.customs_office,
            push_url=settings.customs_push_url,
            push_token=settings.customs_push_token,
            push_format=settings.customs_push_format,
        )


class CustomsActivities:
    def __init__(self, sessions: SessionFactory, signer: Signer | None, link: CustomsLink) -> None:
        self._sessions = sessions
        self._signer = signer
        self._link = link

    @activity.defn(name=DECLARE_ACTIVITY)
    def declare(self, request: DeclarationRequest) -> Declared:
        """Build the declaration of the licence as the case stands, validate and sign the XML,
        render the CUSDEC, and put both in the outbox in one row, committed before anything is
        sent; a retry finds that row."""
        state = request.state
        push = bool(self._link.push_url)
        with self._sessions() as session:
            found = outbox.declaration_of(session, state.case_no, request.version)
            if found is not None:
                return Declared(message_id=found.message_id, push=push)
            if self._signer is None:  # retried: a worker with the key will declare it
                raise RuntimeError(
                    "this worker has no signing key (KP_SIGNING_KEY, KP_SIGNING_CHAIN)"
                )
            try:
                declaration = customs.declaration(
                    state,
                    function=request.function,
                    version=request.version,
                    at=request.at,
                    holder=licences.holder(session, state.operator_id, state.licence_no),
                    sender=self._link.sender,
                    recipient=self._link.office,
                )
                signed = customs_xml.DECLARATION_FORMAT.seal(
                    customs_xml.build_declaration(declaration), self._signer
                )
            except (LookupError, ValueError) as impossible:  # no retry can make it
                raise ApplicationError(
                    str(impossible), type=IMPOSSIBLE, non_retryable=True
                ) from impossible
            edifact = cusdec.render(declaration)
            row = outbox.add_declaration(
                session,
                CustomsOutbox(
                    message_id=declaration.message_id,
                    case_no=state.case_no,
                    permit_no=declaration.permit_no,
                    kind=state.kind.value,
                    function=request.function.value,
                    version=request.version,
                    recipient=declaration.recipient,
                    xml=signed.data,
                    xml_sha256=signed.sha256,
                    edifact=edifact,
                    edifact_sha256=hashlib.sha256(edifact).hexdigest(),
                ),
            )
            return Declared(message_id=row.message_id, push=push)

    @activity.defn(name=PUSH_ACTIVITY)
    def push(self, message_id: str) -> None:
        """POST a declaration to the customs endpoint until it acknowledges it (any 2xx):
        retried by Temporal with backoff; each failure is counted on the row with its reason."""
        link = self._link
        with self._sessions() as session:
            row = outbox.declaration(session, message_id)
            if row is None:
                raise ApplicationError(f"no declaration {message_id}", non_retryable=True)
            if row.acknowledged_at is not None or not link.push_url:
                return  # pulled and acknowledged meanwhile, or pushing switched off
            body, content_type, sha256 = (
                (row.edifact, EDIFACT, row.edifact_sha256)
                if link.push_format == "edifact"
                else (row.xml, XML, row.xml_sha256)
            )
        headers = {
            "Content-Type": content_type,
            "X-Message-Id": message_id,
            "X-Content-SHA256": sha256,
        }
        if link.push_token:
            headers["Authorization"] = f"Bearer {link.push_token}"
        try:
            answer = httpx.post(
                link.push_url, content=body, headers=headers, timeout=link.push_timeout
            )
            failure = (
                None if answer.is_success else f"HTTP {answer.status_code}: {answer.text[:200]}"
            )
        except httpx.HTTPError as error:
            failure = f"{type(error).__name__}: {error}"
        with self._sessions() as session:
            if failure is not None:
                outbox.push_failed(session, message_id, failure)
                raise RuntimeError(f"customs did not take {message_id}: {failure}")
            outbox.acknowledge(session, message_id, PUSHED)
