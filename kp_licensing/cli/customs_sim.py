"""A customs system, simulated over the service's own HTTP interface (``kp-licensing
customs-sim``): what a customs team would build, to see the interface work and for the demo.

Each turn it lists the declarations not yet acknowledged, fetches each one's signed XML,
verifies it against the trust store (DSEDT's signature, covering the whole declaration),
answers with responses signed by customs' key and then acknowledges it. It answers received,
accepted, then as configured: a release (a transit: on entry, then on exit), a rejection with
coded errors, or a discrepancy (one carat short). A cancellation is received, nothing more.
Responses go as signed XML or as EDIFACT CUSRES (``--format``).
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Literal

import httpx

from edi import cusres, customs_xml, xmldsig
from edi.signer import Signer
from kp_licensing.support.private import private_folder
from schemas.customs import (
    CustomsDeclaration,
    CustomsResponse,
    CustomsStatus,
    Found,
    MessageFunction,
    ResponseError,
    Stage,
)
from schemas.shipment import PermitKind

Answer = Literal["release", "reject", "discrepancy"]
Format = Literal["xml", "edifact"]
CONTENT_TYPES = {"xml": "application/xml", "edifact": "application/EDIFACT"}


@dataclass
class Handled:
    """One declaration the simulator took, and what it answered (the statuses, in order)."""

    message_id: str
    permit_no: str
    function: MessageFunction
    answered: list[str]


@dataclass
class CustomsSimulator:
    """``signer``: customs' key, to sign XML responses (without it, responses go as EDIFACT,
    which the service takes on the API key alone); ``trust_store``: DSEDT's CA, to verify each
    declaration (without it, declarations are read unverified, and each answer says so)."""

    http: httpx.Client
    signer: Signer | None
    trust_store: Path | None
    office: str
    answer: Answer = "release"
    form: Format = "xml"
    save: Path | None = None
    handled: list[Handled] = field(default_factory=list)

    def pending(self) -> Iterator[dict[str, object]]:
        """The declarations not yet acknowledged, oldest first, page by page."""
        after = 0
        while True:
            params = {"after": after, "unacknowledged": True}
            page = self._call("GET", "/customs/messages", params=params).json()
            yield from page["items"]
            if page["next_after"] is None:
                return
            after = page["next_after"]

    def turn(self, cases: Collection[str] | None = None) -> list[Handled]:
        """Take and answer every declaration not yet acknowledged (only those of ``cases``,
        if given: the demo answers for its own shipments only)."""
        done = [
            self.take(str(item["message_id"]))
            for item in list(self.pending())
            if cases is None or item["case_no"] in cases
        ]
        self.handled.extend(done)
        return done

    def take(self, message_id: str) -> Handled:
        data = self._call("GET", f"/customs/messages/{message_id}").content
        if self.trust_store is None:
            declaration = customs_xml.parse_declaration(data)
        else:  # raises why, if it does not verify
            verified = xmldsig.verify(data, trust_store=self.trust_store)
            declaration = customs_xml.parse_declaration_element(verified.root)
        self._keep(f"{declaration.permit_no}-v{declaration.version}-declaration.xml", data)
        cusdec = self._call("GET", f"/customs/messages/{message_id}", params={"format": "edifact"})
        self._keep(f"{declaration.permit_no}-v{declaration.version}-cusdec.edi", cusdec.content)
        answered = []
        for status, changes in self._responses(declaration):
            self._respond(declaration, status, **changes)
            stage = changes.get("stage")
            answered.append(status.value + (f" ({stage})" if stage is not None else ""))
        # Last: a turn cut short (the service down) leaves it unacknowledged, so the next turn
        # takes it again and answers it again (new messages; the case applies a release once).
        self._call("POST", f"/customs/messages/{message_id}/acknowledgement")
        return Handled(message_id, declaration.permit_no, declaration.function, answered)

    def _responses(self, d: CustomsDeclaration) -> list[tuple[CustomsStatus, dict[str, object]]]:
        said: list[tuple[CustomsStatus, dict[str, object]]] = [(CustomsStatus.received, {})]
        if d.function is MessageFunction.cancellation:
            return said
        said.append((CustomsStatus.accepted, {}))
        if self.answer == "reject":
            error = ResponseError(code="13", text="declaration refused by the simulator")
            return [*said, (CustomsStatus.rejected, {"errors": [error]})]
        if self.answer == "discrepancy":
            found = Found(
                carats=max(d.carats - Decimal(1), Decimal("0.001")),
                parcels=d.parcels,
                containers=d.containers,
                seals=d.seals,
                seals_intact=True,
            )
            return [*said, (CustomsStatus.discrepancy, {"found": found})]
        if d.kind == PermitKind.transit:
            return [
                *said,
                (CustomsStatus.released, {"stage": Stage.entry}),
                (CustomsStatus.released, {"stage": Stage.exit}),
            ]
        return [*said, (CustomsStatus.released, {})]

    def _respond(self, d: CustomsDeclaration, status: CustomsStatus, **changes: object) -> None:
        response = CustomsResponse.model_validate(
            {
                "message_id": "R" + secrets.token_hex(7).upper()[:13],
                "sender": self.office,
                "issued_at": datetime.now(UTC).replace(microsecond=0),
                "declaration_message_id": d.message_id,
                "permit_no": d.permit_no,
                "status": status,
                **changes,
            }
        )
        if self.form == "edifact" or self.signer is None:
            body = cusres.render(response, recipient=d.sender)
        else:
            root = customs_xml.build_response(response)
            body = customs_xml.RESPONSE_FORMAT.seal(root, self.signer).data
        suffix = "edi" if body.startswith(b"UNA") else "xml"
        self._keep(
            f"{d.permit_no}-v{d.version}-{status.value}-{response.message_id}.{suffix}", body
        )
        self._call(
            "POST",
            "/customs/responses",
            content=body,
            headers={"Content-Type": CONTENT_TYPES["edifact" if suffix == "edi" else "xml"]},
        )

    def _keep(self, name: str, data: bytes) -> None:
        if self.save is not None:
            (private_folder(self.save) / name).write_bytes(data)

    def _call(self, method: str, path: str, **kwargs: object) -> httpx.Response:
        response = self.http.request(method, path, **kwargs)  # type: ignore[arg-type]
        if response.is_error:
            raise RuntimeError(f"{method} {path} -> {response.status_code}: {response.text}")
        return response

    def run(
        self,
        *,
        every: float,
        turns: int | None,
        tell: Callable[[str], None],
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        """Take turns every ``every`` seconds (``turns`` of them, or until stopped); one line per
        declaration taken, one per failed turn (the service down: tried again next turn)."""
        taken = 0
        while turns is None or taken < turns:
            try:
                for done in self.turn():
                    tell(
                        f"{done.message_id} {done.function.name} of {done.permit_no}: "
                        + ", ".join(done.answered)
                    )
            except (httpx.HTTPError, RuntimeError, xmldsig.NotVerified) as failed:
                tell(f"turn failed, trying again: {failed}")
            taken += 1
            if turns is None or taken < turns:
                sleep(every)
