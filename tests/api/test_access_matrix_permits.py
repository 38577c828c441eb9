"""The access matrix of the shipment licences (import, export, transit: ``/api/v1/permits``).

These are rows of the table in ``test_access_matrix.py``, kept in a file of their own for
length: its ``test_matrix_covers_every_endpoint`` and
``test_matrix_states_the_action_each_route_checks`` read ``PERMIT_MATRIX`` together with its
own rows, and ``check_access`` here applies the same rules (401 / 403 / 404 for trader B on
trader A's case / the endpoint's 2xx with its effect; a refused call changes nothing and shows
none of trader A's data).

The world: trader A and trader B each hold an operating licence in force covering import,
export and transit (a shipment licence needs one). Trader A has a cleared import (its
certificate is in stock, a confirmation is owed to the exporting authority, and its case and
history are what the reading rows read); refused calls aim at shared cases of trader A in the
state the action needs, made on first use; an allowed state-changing call gets a fresh case of
trader A in that state (an operator may hold many shipment cases at once). Trader B has a
shipment case of its own, so its lists are not empty.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlmodel import select

from edi.pki import DevelopmentPki, load_signer
from edi.shipment_application import sign_application
from kp_licensing.api.permissions import Action
from kp_licensing.store import stock as stock_register
from kp_licensing.store.db import SessionFactory
from kp_licensing.store.permit_models import StockDraw
from kp_licensing.support.settings import Settings
from schemas.permit import PermitApplicationBody
from tests.api.client import Api
from tests.api.conftest import Staff
from tests.api.test_access_matrix import (
    PREFIX,
    ROLE_OF,
    Call,
    Callers,
    Row,
    access_cases,
    check_access,
)
from tests.factories import macao_today

#: Statuses the fresh and shared cases are brought to, by the officer, after applying.
STATUSES = ("under_review", "info_requested", "approved", "in_transit", "discrepancy", "cleared")


@dataclass
class Shipment:
    """A shipment-licence case of trader A and the application it was made with."""

    owner: Api
    case_no: str
    application: dict[str, Any]

    @property
    def certificate(self) -> dict[str, Any]:
        certificate: dict[str, Any] = self.application["foreign_certificate"]
        return certificate


def arrival(**changes: Any) -> dict[str, Any]:
    """What customs found today: as licensed (see ``PermitWorld.shipment``) unless changed."""
    body: dict[str, Any] = {
        "date": macao_today().isoformat(),
        "carats": "612.50",
        "parcels": 3,
        "containers": ["CNT-1"],
        "seals": ["S-100", "S-101"],
        "seals_intact": True,
    }
    body.update(changes)
    return body


#: What a case records by itself after a decision: telling customs.
FOLLOW_UPS = ("declared_to_customs", "customs_declaration_failed")


class PermitWorld(Callers):
    """Trader A and trader B, each a holder of an operating licence in force, trader A's
    cleared import, and the cases of trader A that refused calls aim at (made on first use)."""

    def __init__(
        self, service: str, staff: Staff, sessions: SessionFactory, settings: Settings
    ) -> None:
        super().__init__(service, staff, sessions, settings)
        self.trader_a = self.holder()
        #: In trader A's applications (counterparty), so a leak of them is visible.
        self.marker = self.trader_a.registration_no or ""
        self.cleared = self.new_permit("cleared", "import")
        self.trader_b = self.holder()
        b_body = self.shipment(self.trader_b, "transit")
        self.b_case = self.trader_b.ok("POST", "/permits", json=b_body)["case_no"]
        self.b_document = self.trader_b.upload("packing_list")
        self._shared: dict[tuple[str, str], Shipment] = {}
        self._answer_document: dict[str, Any] | None = None
        self._refused_application: dict[str, Any] | None = None
        self._pki = DevelopmentPki(settings.data_dir / "pki")
        self._signed_case: Shipment | None = None

    # -- building cases

    def holder(self) -> Api:
        """A new operator's trader whose operating licence, in force, covers every kind."""
        trader = Api.register(self.service)
        case_no = trader.apply(activities=["import", "export", "transit"])["case_no"]
        self.staff.officer.ok("POST", f"/licences/{case_no}/approve", json={})
        return trader

    def shipment(self, api: Api, kind: str) -> dict[str, Any]:
        """A valid application of ``api``'s operator (its documents uploaded); an import brings
        a certificate never presented, an export draws 10 ct on trader A's cleared import."""
        body: dict[str, Any] = {
            "kind": kind,
            "counterparty": {
                "name": f"Emirates Rough {api.registration_no}",
                "address": "Almas Tower, Dubai",
                "country": "AE",
            },
            "provenance_country": "AE" if kind in ("import", "transit") else None,
            "destination_country": "BE" if kind in ("export", "transit") else None,
            "lines": [
                {"hs_code": "7102.31", "carats": "612.50", "value_usd": "280000.00", "origin": "BW"}
            ],
            "parcels": 3,
            "containers": ["CNT-1"],
            "seals": ["S-100", "S-101"],
            "expected_date": (macao_today() + timedelta(days=5)).isoformat(),
            "document_ids": [
                api.upload("commercial_invoice")["id"],
                api.upload("transport_document")["id"],
            ],
        }
        if kind == "import":
            body["foreign_certificate"] = {
                "number": f"AE{uuid.uuid4().int % 10**9:09d}",
                "issuing_country": "AE",
                "issuing_authority": "UAE Kimberley Process Office",
                "issued_on": (macao_today() - timedelta(days=3)).isoformat(),
                "expires_on": (macao_today() + timedelta(days=50)).isoformat(),
                "exporter": {"name": "Emirates Rough DMCC", "address": "Dubai", "country": "AE"},
                "importer": {"name": "Lotus Limitada", "address": "Macao", "country": "MO"},
                "origin": "BW",
                "carats": "612.50",
                "value_usd": "280000.00",
                "parcels": 3,
                "hs_codes": ["7102.31"],
                "scan_document_id": api.upload("kp_certificate_scan")["id"],
            }
        if kind == "export":
            carats = "10.00"
            body["lines"] = [
                {"hs_code": "7102.31", "carats": carats, "value_usd": "5000.00", "origin": "BW"}
            ]
            body["declarations"] = {
                "complies_with_kpcs": True,
                "destination_is_participant": True,
                "tamper_proof_container": True,
            }
            stock = self.cleared.certificate
            body["source_certificates"] = [
                {"issuing_country": "AE", "number": stock["number"], "carats": carats}
            ]
        return body

    def new_permit(self, status: str, kind: str) -> Shipment:
        """A fresh case of trader A in ``status`` (an import's discrepancy: it arrived short)."""
        assert status in STATUSES, status
        application = self.shipment(self.trader_a, kind)
        case_no = self.trader_a.ok("POST", "/permits", json=application)["case_no"]
        officer = self.staff.officer

        def act(verb: str, body: dict[str, Any]) -> None:
            officer.ok("POST", f"/permits/{case_no}/{verb}", json=body)

        if status == "info_requested":
            act("request-information", {"message": "Send the packing list.", "deadline_days": 10})
        if status in ("approved", "in_transit", "discrepancy", "cleared"):
            act("approve", {})
            self.wait_declared(case_no)
        if status == "in_transit":
            act("entry", arrival())
        if status == "cleared":
            act("arrival", arrival())
        if status == "discrepancy":
            act("arrival" if kind == "import" else "entry", arrival(carats="600.00"))
        assert self.permit_state(case_no)[1] == status
        return Shipment(self.trader_a, case_no, application)

    def wait_declared(self, case_no: str) -> None:
        """Until the approved licence's declaration to customs is in its history (the case
        records it just after the approval answers): a refused call's snapshot must not race
        it."""
        for _ in range(300):
            history = self.staff.officer.ok("GET", f"/permits/{case_no}/history")
            if history[-1]["action"] == "declared_to_customs":
                return
            time.sleep(0.05)
        raise AssertionError(f"{case_no} was never declared to customs")

    def shared(self, status: str, kind: str) -> Shipment:
        """The case of trader A in ``status`` that refused calls aim at (and must leave)."""
        if (status, kind) not in self._shared:
            self._shared[status, kind] = self.new_permit(status, kind)
        return self._shared[status, kind]

    def signed(self, api: Api, body: dict[str, Any]) -> bytes:
        """``body`` as a document signed by a representative of ``api``'s operator."""
        assert api.registration_no is not None
        key = load_signer(*self._pki.operator(api.registration_no, "Lotus", "Chan Tai Man"))
        application = PermitApplicationBody.model_validate(body)
        return sign_application(application, api.registration_no, key).data

    @property
    def signed_case(self) -> Shipment:
        """Trader A's case applied for with a signed document."""
        if self._signed_case is None:
            body = self.shipment(self.trader_a, "transit")
            case = self.trader_a.ok(
                "POST",
                "/permits/signed",
                content=self.signed(self.trader_a, body),
                headers={"Content-Type": "application/xml"},
            )
            self._signed_case = Shipment(self.trader_a, case["case_no"], body)
        return self._signed_case

    @property
    def answer_document(self) -> dict[str, Any]:
        """A document of trader A that refused answers send."""
        if self._answer_document is None:
            self._answer_document = self.trader_a.upload("packing_list")
        return self._answer_document

    @property
    def refused_application(self) -> dict[str, Any]:
        """An import application of trader A that refused callers send (never accepted)."""
        if self._refused_application is None:
            self._refused_application = self.shipment(self.trader_a, "import")
        return self._refused_application

    # -- reading what must change (or not)

    def permit_state(self, case_no: str) -> tuple[int, str]:
        """(history length, status) as an officer reads them: what a refused call must keep.
        The declarations to customs that follow a decision (a moment after it answered) are
        left out: they are the case's own consequence of the decision, not a second one."""
        history = self.staff.officer.ok("GET", f"/permits/{case_no}/history")
        decided = [h for h in history if h["action"] not in FOLLOW_UPS]
        return len(decided), history[-1]["to_status"]

    def permit_total(self) -> int:
        return int(self.staff.officer.ok("GET", "/permits", params={"limit": 1})["total"])

    def presented_in(self, number: str) -> str | None:
        """The case a foreign certificate was presented in (the register an import claims)."""
        with self.sessions() as session:
            return stock_register.presented_in(session, issuing_country="AE", number=number)

    def draws_released(self, case_no: str) -> list[bool]:
        with self.sessions() as session:
            draws = session.exec(select(StockDraw).where(StockDraw.case_no == case_no)).all()
            return [d.released for d in draws]

    def confirmed(self) -> set[str]:
        """The cases an import confirmation is owed for."""
        confirmations = self.staff.officer.ok("GET", "/permits/import-confirmations")
        return {c["case_no"] for c in confirmations}

    def unsent(self) -> set[str]:
        """The cases whose import confirmation is not yet recorded as sent."""
        listed = self.staff.officer.ok(
            "GET", "/permits/import-confirmations", params={"unsent": True}
        )
        return {c["case_no"] for c in listed}

    def licence_no(self, case_no: str) -> str:
        number: str = self.staff.officer.ok("GET", f"/permits/{case_no}")["permit_no"]
        return number

    def username(self, caller: str) -> str | None:
        return {"officer": self.staff.officer, "supervisor": self.staff.supervisor}[caller].username

    def cases_of_a(self) -> set[str]:
        page = self.staff.officer.ok(
            "GET", "/permits", params={"operator_id": self.trader_a.operator_id, "limit": 200}
        )
        assert page["total"] == len(page["items"]), "more than a page: raise the limit"
        return {c["case_no"] for c in page["items"]}


@pytest.fixture(scope="module")
def world(service: str, staff: Staff, sessions: SessionFactory, settings: Settings) -> PermitWorld:
    return PermitWorld(service, staff, sessions, settings)


# ------------------------------------------------------------------------------- the matrix rows

PermitPrepare = Callable[[PermitWorld, str, bool], Call]
Body = Callable[[PermitWorld, str, Shipment], dict[str, Any]]
Effect = Callable[[PermitWorld, Shipment, dict[str, Any]], None]


def _permit_transition(
    verb: str, needs: tuple[str, str], body: Body, to: str, event: str, effect: Effect | None = None
) -> PermitPrepare:
    """POST /permits/{case_no}/{verb}: an allowed caller acts on a fresh case of trader A in
    ``needs`` (status, kind); the case moves to ``to`` with one more history entry named
    ``event`` (and ``effect`` checks what else that changed); a refused caller aims at the
    shared case in that state, which must stay as it was."""

    def prepare(world: PermitWorld, caller: str, allowed: bool) -> Call:
        case = world.new_permit(*needs) if allowed else world.shared(*needs)
        before = world.permit_state(case.case_no)

        def verify(response: httpx.Response) -> None:
            record = response.json()
            assert record["state"]["case_no"] == case.case_no
            assert record["state"]["status"] == to
            assert record["transition"]["action"] == event
            assert record["transition"]["actor"]["role"] == ROLE_OF[caller].value
            assert world.permit_state(case.case_no) == (before[0] + 1, to)
            if effect:
                effect(world, case, record["state"])

        return Call(
            path=f"/permits/{case.case_no}/{verb}",
            kwargs={"json": body(world, caller, case)},
            owner=case.owner,
            secrets=[world.marker],
            snapshot=lambda: world.permit_state(case.case_no),
            verify=verify,
        )

    return prepare


def _fixed(body: dict[str, Any]) -> Body:
    return lambda world, caller, case: body


def _answer_body(world: PermitWorld, caller: str, case: Shipment) -> dict[str, Any]:
    """An answer with a document of the caller's own operator (trader B sends its own, so only
    the case, not the documents, can be why it is refused)."""
    if caller == "trader_b":
        document = world.b_document
    elif case is world.shared("info_requested", "transit"):
        document = world.answer_document
    else:
        document = case.owner.upload("packing_list")
    return {"message": "The packing list is attached.", "document_ids": [document["id"]]}


def _informed(world: PermitWorld, case: Shipment, state: dict[str, Any]) -> None:
    assert state["info_request"]["message"] == "Send the packing list."


def _answered(world: PermitWorld, case: Shipment, state: dict[str, Any]) -> None:
    assert state["info_request"] is None
    assert len(state["documents"]) == len(case.application["document_ids"]) + 1


def _numbered(world: PermitWorld, case: Shipment, state: dict[str, Any]) -> None:
    assert state["permit_no"] and state["valid_until"]


def _draws_given_back(world: PermitWorld, case: Shipment, state: dict[str, Any]) -> None:
    """An export that will not ship gives back the carats it drew on trader A's stock."""
    assert world.draws_released(case.case_no) == [True]


def _confirmation_owed(world: PermitWorld, case: Shipment, state: dict[str, Any]) -> None:
    assert state["arrival"] is not None and case.case_no in world.confirmed()


def _entered(world: PermitWorld, case: Shipment, state: dict[str, Any]) -> None:
    assert state["arrival"]["seals"] == ["S-100", "S-101"] and state["exit"] is None


def _left(world: PermitWorld, case: Shipment, state: dict[str, Any]) -> None:
    assert state["exit"]["seals"] == ["S-100", "S-101"]


def _accepted(world: PermitWorld, case: Shipment, state: dict[str, Any]) -> None:
    assert state["incident"] is None and case.case_no in world.confirmed()


def _apply(world: PermitWorld, caller: str, allowed: bool) -> Call:
    """Trader A applies for an import (its certificate is then presented), trader B for a
    transit of its own; refused callers send an import application of trader A, which must
    open no case and leave its certificate unpresented."""
    if caller == "trader_b":
        body = world.shipment(world.trader_b, "transit")
    elif allowed:
        body = world.shipment(world.trader_a, "import")
    else:
        body = world.refused_application
    number = body["foreign_certificate"]["number"] if body["kind"] == "import" else None

    def snapshot() -> object:
        return world.permit_total(), number and world.presented_in(number)

    def verify(response: httpx.Response) -> None:
        me = world.trader_b if caller == "trader_b" else world.trader_a
        state = response.json()
        assert (state["status"], state["kind"]) == ("under_review", body["kind"])
        assert state["operator_id"] == me.operator_id
        assert world.permit_state(state["case_no"]) == (1, "under_review")
        if number:
            assert world.presented_in(number) == state["case_no"]

    return Call(path="/permits", kwargs={"json": body}, snapshot=snapshot, verify=verify)


def _apply_signed(world: PermitWorld, caller: str, allowed: bool) -> Call:
    """As ``_apply``, the application signed by a representative of the applicant's operator
    (trader B signs its own)."""
    call = _apply(world, caller, allowed)
    me = world.trader_b if caller == "trader_b" else world.trader_a
    body = call.kwargs.pop("json")
    call.kwargs.update(content=world.signed(me, body), headers={"Content-Type": "application/xml"})
    call.path = "/permits/signed"
    return call


def _signed_document(world: PermitWorld, caller: str, allowed: bool) -> Call:
    case = world.signed_case

    def verify(response: httpx.Response) -> None:
        assert response.headers["content-type"].startswith("application/xml")
        assert b"ShipmentApplication" in response.content

    return Call(
        path=f"/permits/{case.case_no}/signed-application",
        owner=case.owner,
        secrets=[world.marker],
        verify=verify,
    )


def _search(world: PermitWorld, caller: str, allowed: bool) -> Call:
    """Everyone asks for trader A's operator; a trader gets its own cases whatever it asks."""
    a, b = world.trader_a, world.trader_b

    def verify(response: httpx.Response) -> None:
        items = response.json()["items"]
        cases = {c["case_no"] for c in items}
        operators = {c["operator_id"] for c in items}
        if caller == "trader_b":
            assert world.b_case in cases and not cases & world.cases_of_a()
            assert operators == {b.operator_id}
        else:
            assert world.cleared.case_no in cases
            assert operators == {a.operator_id}

    return Call(
        path="/permits",
        kwargs={"params": {"operator_id": a.operator_id, "limit": 200}},
        secrets=[world.cleared.case_no],
        verify=verify,
    )


def _stock(world: PermitWorld, caller: str, allowed: bool) -> Call:
    """Everyone asks for trader A's stock; a trader gets its own whatever it asks."""
    number = world.cleared.certificate["number"]

    def verify(response: httpx.Response) -> None:
        numbers = {s["number"] for s in response.json()}
        assert (number in numbers) == (caller != "trader_b")

    return Call(
        path="/permits/stock",
        kwargs={"params": {"operator_id": world.trader_a.operator_id}},
        secrets=[number],
        verify=verify,
    )


def _confirmations(world: PermitWorld, caller: str, allowed: bool) -> Call:
    number = world.cleared.certificate["number"]

    def verify(response: httpx.Response) -> None:
        mine = [c for c in response.json() if c["case_no"] == world.cleared.case_no]
        assert [c["confirmation"]["certificate_number"] for c in mine] == [number]

    return Call(path="/permits/import-confirmations", secrets=[number], verify=verify)


def _check_permit(world: PermitWorld, caller: str, allowed: bool) -> Call:
    """Customs (and the holder, and officers) check trader A's cleared import by its licence
    number: used, so no longer valid; trader B is told it does not exist."""
    case = world.cleared
    number = world.licence_no(case.case_no)

    def verify(response: httpx.Response) -> None:
        check = response.json()
        assert (check["licence_no"], check["kind"], check["status"]) == (
            number,
            "import",
            "cleared",
        )
        assert check["valid_today"] is False
        assert check["certificate_number"] == case.certificate["number"]

    return Call(
        path=f"/permits/by-number/{number}",
        owner=case.owner,
        secrets=[world.marker, case.certificate["number"]],
        verify=verify,
    )


def _confirmation_sent(world: PermitWorld, caller: str, allowed: bool) -> Call:
    """An officer records the sending of the confirmation of a fresh cleared import of trader
    A; a refused caller aims at the shared cleared import, whose confirmation stays unsent."""
    case = world.new_permit("cleared", "import") if allowed else world.shared("cleared", "import")

    def verify(response: httpx.Response) -> None:
        sent = response.json()
        assert sent["case_no"] == case.case_no
        assert sent["sent"]["method"] == "email"
        assert sent["sent"]["recorded_by"] == world.username(caller)
        assert case.case_no not in world.unsent()

    return Call(
        path=f"/permits/{case.case_no}/import-confirmation/sent",
        kwargs={"json": {"method": "email", "reference": "matrix"}},
        owner=case.owner,
        secrets=[case.certificate["number"]],
        snapshot=lambda: case.case_no in world.unsent(),
        verify=verify,
    )


def _get_permit(world: PermitWorld, caller: str, allowed: bool) -> Call:
    case = world.cleared

    def verify(response: httpx.Response) -> None:
        state = response.json()
        assert (state["case_no"], state["status"]) == (case.case_no, "cleared")
        assert state["operator_id"] == world.trader_a.operator_id
        assert state["application"]["counterparty"]["name"].endswith(world.marker)

    return Call(
        path=f"/permits/{case.case_no}",
        owner=case.owner,
        secrets=[world.marker, case.certificate["number"]],
        verify=verify,
    )


def _permit_history(world: PermitWorld, caller: str, allowed: bool) -> Call:
    case = world.cleared

    def verify(response: httpx.Response) -> None:
        history = response.json()
        assert [h["action"] for h in history] == [
            "submitted",
            "approved",
            "declared_to_customs",
            "arrived",
        ]
        assert history[0]["actor"]["username"] == world.trader_a.username

    return Call(
        path=f"/permits/{case.case_no}/history",
        owner=case.owner,
        secrets=[world.trader_a.username or "", world.staff.officer.username or ""],
        verify=verify,
    )


def _document(suffix: str, media_type: str) -> Callable[[PermitWorld, str, bool], Call]:
    """Trader A's cleared import's documents (its licence, its import confirmation)."""

    def prepare(world: PermitWorld, caller: str, allowed: bool) -> Call:
        case = world.cleared

        def verify(response: httpx.Response) -> None:
            assert response.headers["content-type"].startswith(media_type)
            assert "attachment" in response.headers["content-disposition"]

        return Call(
            path=f"/permits/{case.case_no}/{suffix}",
            owner=case.owner,
            secrets=[world.marker],
            verify=verify,
        )

    return prepare


_P = f"{PREFIX}/permits"

#: The shipment-licence endpoints, as ``test_access_matrix.MATRIX`` states the others.
PERMIT_MATRIX: dict[tuple[str, str], Row[PermitWorld]] = {
    # reading
    ("POST", _P): Row(Action.apply, False, _apply),
    ("POST", f"{_P}/signed"): Row(Action.apply, False, _apply_signed),
    ("GET", f"{_P}/{{case_no}}/signed-application"): Row(Action.view_cases, True, _signed_document),
    ("GET", _P): Row(Action.view_cases, False, _search),
    ("GET", f"{_P}/import-confirmations"): Row(Action.decide, False, _confirmations),
    ("GET", f"{_P}/stock"): Row(Action.view_cases, False, _stock),
    ("GET", f"{_P}/by-number/{{licence_no}}"): Row(
        Action.check_shipment_licence, True, _check_permit
    ),
    ("GET", f"{_P}/{{case_no}}"): Row(Action.view_cases, True, _get_permit),
    ("GET", f"{_P}/{{case_no}}/history"): Row(Action.view_cases, True, _permit_history),
    ("GET", f"{_P}/{{case_no}}/document"): Row(
        Action.view_cases, True, _document("document", "application/xml")
    ),
    ("GET", f"{_P}/{{case_no}}/document/pdf"): Row(
        Action.view_cases, True, _document("document/pdf", "application/pdf")
    ),
    ("GET", f"{_P}/{{case_no}}/import-confirmation/document"): Row(
        Action.view_cases, True, _document("import-confirmation/document", "application/xml")
    ),
    ("GET", f"{_P}/{{case_no}}/import-confirmation/document/pdf"): Row(
        Action.view_cases, True, _document("import-confirmation/document/pdf", "application/pdf")
    ),
    # acting: (state, kind) needed -> resulting status, history event, what else changed
    ("POST", f"{_P}/{{case_no}}/request-information"): Row(
        Action.decide,
        True,
        _permit_transition(
            "request-information",
            ("under_review", "transit"),
            _fixed({"message": "Send the packing list.", "deadline_days": 10}),
            "info_requested",
            "information_requested",
            _informed,
        ),
    ),
    ("POST", f"{_P}/{{case_no}}/answer"): Row(
        Action.answer,
        True,
        _permit_transition(
            "answer",
            ("info_requested", "transit"),
            _answer_body,
            "under_review",
            "information_provided",
            _answered,
        ),
    ),
    ("POST", f"{_P}/{{case_no}}/approve"): Row(
        Action.decide,
        True,
        _permit_transition(
            "approve",
            ("under_review", "import"),
            _fixed({"note": "Certificate checked with the UAE office."}),
            "approved",
            "approved",
            _numbered,
        ),
    ),
    ("POST", f"{_P}/{{case_no}}/reject"): Row(
        Action.decide,
        True,
        _permit_transition(
            "reject",
            ("under_review", "export"),
            _fixed({"reason": "Buyer not a KP participant"}),
            "rejected",
            "rejected",
            _draws_given_back,
        ),
    ),
    ("POST", f"{_P}/{{case_no}}/withdraw"): Row(
        Action.withdraw,
        True,
        _permit_transition(
            "withdraw",
            ("under_review", "export"),
            _fixed({"reason": "Buyer withdrew"}),
            "withdrawn",
            "withdrawn",
            _draws_given_back,
        ),
    ),
    ("POST", f"{_P}/{{case_no}}/cancel"): Row(
        Action.change_standing,
        True,
        _permit_transition(
            "cancel",
            ("approved", "transit"),
            _fixed({"reason": "Order of the Secretary"}),
            "cancelled",
            "cancelled",
        ),
    ),
    ("POST", f"{_P}/{{case_no}}/arrival"): Row(
        Action.decide,
        True,
        _permit_transition(
            "arrival",
            ("approved", "import"),
            _fixed(arrival()),
            "cleared",
            "arrived",
            _confirmation_owed,
        ),
    ),
    ("POST", f"{_P}/{{case_no}}/entry"): Row(
        Action.decide,
        True,
        _permit_transition(
            "entry", ("approved", "transit"), _fixed(arrival()), "in_transit", "entered", _entered
        ),
    ),
    ("POST", f"{_P}/{{case_no}}/exit"): Row(
        Action.decide,
        True,
        _permit_transition(
            "exit", ("in_transit", "transit"), _fixed(arrival()), "completed", "left", _left
        ),
    ),
    ("POST", f"{_P}/{{case_no}}/import-confirmation/sent"): Row(
        Action.decide, True, _confirmation_sent
    ),
    ("POST", f"{_P}/{{case_no}}/resolve"): Row(
        Action.decide,
        True,
        _permit_transition(
            "resolve",
            ("discrepancy", "import"),
            _fixed({"accept": True, "reason": "Weighed again with customs: 612.50 ct"}),
            "cleared",
            "accepted_as_found",
            _accepted,
        ),
    ),
}


# ------------------------------------------------------------------------------------ the tests


@pytest.mark.parametrize(**access_cases(PERMIT_MATRIX))
def test_access(world: PermitWorld, endpoint: tuple[str, str], caller: str) -> None:
    check_access(world, endpoint, PERMIT_MATRIX[endpoint], caller)


def test_trader_b_lists_hold_none_of_trader_a_permit_cases(world: PermitWorld) -> None:
    """Whatever it filters on, trader B's shipment cases and notifications name none of trader
    A's cases (the transitions of trader A's cases notify trader A's operator only)."""
    of_a = world.cases_of_a()
    assert world.cleared.case_no in of_a
    b = world.trader_b
    filters: list[dict[str, Any]] = [
        {"operator_id": world.trader_a.operator_id},
        {"kind": "import"},
        {"kind": "export"},
        {"kind": "transit"},
        {"status": ["cleared", "under_review", "approved", "info_requested"]},
    ]
    for params in filters:
        page = b.ok("GET", "/permits", params={**params, "limit": 200})
        assert {c["operator_id"] for c in page["items"]} <= {b.operator_id}, params
        assert not {c["case_no"] for c in page["items"]} & of_a, params
        assert page["total"] == len(page["items"])
    notes = b.ok("GET", "/notifications")
    assert world.b_case in {n["case_no"] for n in notes}
    assert not {n["case_no"] for n in notes} & of_a


@pytest.mark.parametrize("verb", ["answer", "withdraw"])
def test_trader_b_sending_trader_a_ids_learns_nothing(world: PermitWorld, verb: str) -> None:
    """With trader A's document ids in an answer, or a plain withdrawal, trader B is told the
    case does not exist, exactly as for a case number that does not exist."""
    case = world.shared("info_requested", "transit")
    body: dict[str, Any] = (
        {"message": "x", "document_ids": [world.answer_document["id"]]}
        if verb == "answer"
        else {"reason": "x"}
    )
    before = world.permit_state(case.case_no)
    real = world.trader_b.request("POST", f"/permits/{case.case_no}/{verb}", json=body)
    made_up = world.trader_b.request("POST", f"/permits/PA-1999-99999/{verb}", json=body)
    assert real.status_code == made_up.status_code == 404, real.text
    assert real.json()["detail"] == f"no shipment licence case {case.case_no}"
    assert made_up.json()["detail"] == "no shipment licence case PA-1999-99999"
    assert world.permit_state(case.case_no) == before


def test_a_replayed_certificate_names_no_case_of_another_operator(world: PermitWorld) -> None:
    """Trader B presenting the certificate of trader A's cleared import is refused (a KP
    certificate covers one shipment), but must not learn which of trader A's cases holds it:
    someone else's case does not exist for a trader."""
    body = world.shipment(world.trader_b, "import")
    body["foreign_certificate"]["number"] = world.cleared.certificate["number"]
    response = world.trader_b.request("POST", "/permits", json=body)
    assert response.status_code == 422, response.text
    assert "certificate.first_presentation" in {e["code"] for e in response.json()["errors"]}
    assert world.cleared.case_no not in response.text, response.text
