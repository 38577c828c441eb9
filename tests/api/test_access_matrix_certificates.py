"""The access matrix of the KP certificates (``/api/v1/certificates`` and an export's
``/permits/{case_no}/certificate...`` and ``/departure``): rows of the table in
``test_access_matrix.py``, on the world of ``test_access_matrix_permits.py`` (trader A's
exports draw on its cleared import), checked by the same ``check_access``.

An allowed state-changing call gets a fresh export of trader A in the stage it needs; a refused
one aims at a shared export in that stage, which must stay as it was. Four-eyes is on: an
export is approved by one member of staff and its certificate validated by another."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from kp_licensing.api.permissions import Action
from kp_licensing.store.db import SessionFactory
from kp_licensing.support.settings import Settings
from tests.api.client import Api
from tests.api.conftest import Staff
from tests.api.test_access_matrix import PREFIX, ROLE_OF, Call, Row, access_cases, check_access
from tests.api.test_access_matrix_permits import PermitWorld, Shipment
from tests.factories import macao_today

STAGES = ("pending", "approved", "paid", "issued", "used")


class CertificateWorld(PermitWorld):
    """Trader A's exports at each stage of their certificate's life."""

    def __init__(
        self, service: str, staff: Staff, sessions: SessionFactory, settings: Settings
    ) -> None:
        super().__init__(service, staff, sessions, settings)
        self._shared_exports: dict[str, Shipment] = {}
        self.issued = self.export("issued")

    def other(self, caller: str) -> Api:
        """The member of staff who approves what ``caller`` will validate (four-eyes)."""
        return self.staff.supervisor if caller == "officer" else self.staff.officer

    def export(self, stage: str, *, approver: Api | None = None) -> Shipment:
        assert stage in STAGES, stage
        application = self.shipment(self.trader_a, "export")
        case_no = self.trader_a.ok("POST", "/permits", json=application)["case_no"]
        approver = approver or self.staff.officer
        validator = self.staff.supervisor if approver is self.staff.officer else self.staff.officer
        at = f"/permits/{case_no}"
        if STAGES.index(stage) >= STAGES.index("approved"):
            approver.ok("POST", f"{at}/approve", json={})
            self.wait_until(lambda: self.certificate(case_no)["licence_status"] == "approved")
        if STAGES.index(stage) >= STAGES.index("paid"):
            body = {"amount": "70.00", "receipt": f"R-{case_no}"}
            self.staff.officer.ok("POST", f"{at}/certificate/payment", json=body)
        if STAGES.index(stage) >= STAGES.index("issued"):
            validator.ok("POST", f"{at}/certificate/issue", json={})
            self.wait_until(
                lambda: self.staff.officer.ok("GET", at)["certificate_status"] == "valid"
            )
        if stage == "used":
            body = {"departed_on": macao_today().isoformat()}
            self.staff.officer.ok("POST", f"{at}/departure", json=body)
            self.wait_until(lambda: self.certificate(case_no)["status"] == "used")
        return Shipment(self.trader_a, case_no, application)

    @staticmethod
    def wait_until(condition: Callable[[], bool]) -> None:
        """The export and its certificate tell each other of their changes by signal, just
        after the request that made them answers: wait until ``condition`` shows it arrived."""
        for _ in range(200):
            if condition():
                return
            time.sleep(0.05)
        raise AssertionError("the news never arrived")

    def shared_export(self, stage: str) -> Shipment:
        if stage not in self._shared_exports:
            self._shared_exports[stage] = self.export(stage)
        return self._shared_exports[stage]

    def certificate(self, case_no: str) -> dict[str, Any]:
        state: dict[str, Any] = self.staff.officer.ok("GET", f"/permits/{case_no}/certificate")
        return state

    def certificate_state(self, case_no: str) -> tuple[int, str]:
        history = self.staff.officer.ok("GET", f"/permits/{case_no}/certificate/history")
        return len(history), history[-1]["to_status"]

    def number(self, case: Shipment) -> str:
        number: str = self.certificate(case.case_no)["certificate"]["number"]
        return number


@pytest.fixture(scope="module")
def world(
    service: str, staff: Staff, sessions: SessionFactory, settings: Settings
) -> CertificateWorld:
    return CertificateWorld(service, staff, sessions, settings)


def _certificate_step(
    verb: str, needs: str, body: dict[str, Any], to: str, event: str, *, four_eyes: bool = False
) -> Any:
    """POST /permits/{case_no}/certificate/{verb}: an allowed caller acts on a fresh export of
    trader A at stage ``needs`` (approved by another member of staff where four-eyes
    matters); the certificate moves to ``to`` with one more history entry, ``event``."""

    def prepare(world: CertificateWorld, caller: str, allowed: bool) -> Call:
        if allowed:
            approver = world.other(caller) if four_eyes else None
            case = world.export(needs, approver=approver)
        else:
            case = world.shared_export(needs)
        before = world.certificate_state(case.case_no)

        def verify(response: httpx.Response) -> None:
            record = response.json()
            assert record["state"]["case_no"] == case.case_no
            assert record["state"]["status"] == to
            assert record["transition"]["action"] == event
            assert record["transition"]["actor"]["role"] == ROLE_OF[caller].value
            assert world.certificate_state(case.case_no) == (before[0] + 1, to)

        return Call(
            path=f"/permits/{case.case_no}/certificate/{verb}",
            kwargs={"json": body},
            owner=case.owner,
            secrets=[world.marker],
            snapshot=lambda: world.certificate_state(case.case_no),
            verify=verify,
        )

    return prepare


def _confirmation(world: CertificateWorld, caller: str, allowed: bool) -> Call:
    """An officer records the destination's confirmation with trader A's upload of it."""
    case = world.export("used") if allowed else world.shared_export("used")
    uploader = world.trader_b if caller == "trader_b" else world.trader_a
    document = uploader.upload("import_confirmation")
    before = world.certificate_state(case.case_no)

    def verify(response: httpx.Response) -> None:
        record = response.json()
        assert record["state"]["status"] == "confirmed"
        assert record["state"]["confirmation"]["documents"][0]["id"] == document["id"]
        assert world.certificate_state(case.case_no) == (before[0] + 1, "confirmed")

    return Call(
        path=f"/permits/{case.case_no}/certificate/confirmation",
        kwargs={
            "json": {"received_on": macao_today().isoformat(), "document_ids": [document["id"]]}
        },
        owner=case.owner,
        secrets=[world.marker],
        snapshot=lambda: world.certificate_state(case.case_no),
        verify=verify,
    )


def _departure(world: CertificateWorld, caller: str, allowed: bool) -> Call:
    case = world.export("issued") if allowed else world.shared_export("issued")
    before = world.permit_state(case.case_no)

    def verify(response: httpx.Response) -> None:
        record = response.json()
        assert (record["state"]["status"], record["transition"]["action"]) == ("used", "departed")
        assert world.permit_state(case.case_no) == (before[0] + 1, "used")
        assert world.draws_released(case.case_no) == [False]  # consumed, never given back

    return Call(
        path=f"/permits/{case.case_no}/departure",
        kwargs={"json": {"departed_on": macao_today().isoformat()}},
        owner=case.owner,
        secrets=[world.marker],
        snapshot=lambda: world.permit_state(case.case_no),
        verify=verify,
    )


def _worklist(world: CertificateWorld, caller: str, allowed: bool) -> Call:
    def verify(response: httpx.Response) -> None:
        cases = {c["case_no"] for c in response.json()["items"]}
        assert world.issued.case_no in cases

    return Call(
        path="/certificates",
        kwargs={"params": {"operator_id": world.trader_a.operator_id, "limit": 200}},
        secrets=[world.issued.case_no],
        verify=verify,
    )


def _read(suffix: str, check: Any) -> Any:
    def prepare(world: CertificateWorld, caller: str, allowed: bool) -> Call:
        case = world.issued

        def verify(response: httpx.Response) -> None:
            check(world, case, response)

        return Call(
            path=f"/permits/{case.case_no}/certificate{suffix}",
            owner=case.owner,
            secrets=[world.marker, world.number(case)],
            verify=verify,
        )

    return prepare


def _state_read(world: CertificateWorld, case: Shipment, response: httpx.Response) -> None:
    state = response.json()
    assert (state["case_no"], state["status"]) == (case.case_no, "valid")
    assert state["fee"]["reference"] == f"KPF-{case.case_no}"


def _history_read(world: CertificateWorld, case: Shipment, response: httpx.Response) -> None:
    actions = [h["action"] for h in response.json()]
    assert actions == ["submitted", "licence_changed", "fee_paid", "issued"]


def _document(suffix: str, media_type: str) -> Any:
    def prepare(world: CertificateWorld, caller: str, allowed: bool) -> Call:
        number = world.number(world.issued)

        def verify(response: httpx.Response) -> None:
            assert response.headers["content-type"].startswith(media_type)
            assert f"{number}." in response.headers["content-disposition"]

        return Call(
            path=f"/certificates/{number}/document{suffix}",
            owner=world.issued.owner,
            secrets=[world.marker],
            verify=verify,
        )

    return prepare


_C = f"{PREFIX}/permits/{{case_no}}/certificate"

CERTIFICATE_MATRIX: dict[tuple[str, str], Row[CertificateWorld]] = {
    ("GET", f"{PREFIX}/certificates"): Row(Action.decide, False, _worklist),
    ("GET", _C): Row(Action.view_cases, True, _read("", _state_read)),
    ("GET", f"{_C}/history"): Row(Action.view_cases, True, _read("/history", _history_read)),
    ("POST", f"{_C}/payment"): Row(
        Action.decide,
        True,
        _certificate_step(
            "payment", "pending", {"amount": "70.00", "receipt": "R-42"}, "pending", "fee_paid"
        ),
    ),
    ("POST", f"{_C}/issue"): Row(
        Action.decide,
        True,
        _certificate_step("issue", "paid", {}, "valid", "issued", four_eyes=True),
    ),
    ("POST", f"{_C}/void"): Row(
        Action.decide,
        True,
        _certificate_step(
            "void", "issued", {"reason": "Buyer cancelled", "replace": False}, "voided", "voided"
        ),
    ),
    ("POST", f"{_C}/confirmation"): Row(Action.decide, True, _confirmation),
    ("POST", f"{PREFIX}/permits/{{case_no}}/departure"): Row(Action.decide, True, _departure),
    ("GET", f"{PREFIX}/certificates/{{number}}/document"): Row(
        Action.view_cases, True, _document("", "application/xml")
    ),
    ("GET", f"{PREFIX}/certificates/{{number}}/document/pdf"): Row(
        Action.view_cases, True, _document("/pdf", "application/pdf")
    ),
}


@pytest.mark.parametrize(**access_cases(CERTIFICATE_MATRIX))
def test_access(world: CertificateWorld, endpoint: tuple[str, str], caller: str) -> None:
    check_access(world, endpoint, CERTIFICATE_MATRIX[endpoint], caller)
