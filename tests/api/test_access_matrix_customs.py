"""The access matrix of the customs interface (``/api/v1/customs/...`` and a case's
``/permits/{case_no}/customs``): rows of the table in ``test_access_matrix.py``, on the world
of ``test_access_matrix_permits.py`` with trader A's approved imports declared to customs,
checked by the same ``check_access``. Only customs systems pull, acknowledge and respond; a
refused call acknowledges nothing and leaves no response in the inbox."""

from __future__ import annotations

import hashlib
import time
import uuid
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from edi import customs_xml
from edi.pki import CUSTOMS, DevelopmentPki, load_signer
from kp_licensing.api.permissions import Action
from kp_licensing.store import customs as customs_store
from kp_licensing.store.db import SessionFactory
from kp_licensing.support.settings import Settings
from schemas.customs import CustomsResponse, CustomsStatus
from tests.api.conftest import Staff
from tests.api.test_access_matrix import PREFIX, Call, Row, access_cases, check_access
from tests.api.test_access_matrix_permits import PermitWorld, Shipment


class CustomsWorld(PermitWorld):
    """Trader A's approved import, declared (what every customs call is about), and a second
    one no allowed call acknowledges (what refused acknowledgements aim at)."""

    def __init__(
        self, service: str, staff: Staff, sessions: SessionFactory, settings: Settings
    ) -> None:
        super().__init__(service, staff, sessions, settings)
        pki = DevelopmentPki(settings.data_dir / "pki")
        self.signer = load_signer(pki.key(CUSTOMS), pki.chain(CUSTOMS))
        self.case = self.new_permit("approved", "import")
        self.declared = self.declaration(self.case)
        self.untouched = self.declaration(self.new_permit("approved", "import"))

    def declaration(self, case: Shipment) -> dict[str, Any]:
        for _ in range(300):
            found = self.staff.officer.ok("GET", f"/permits/{case.case_no}/customs")
            if found["declarations"]:
                return dict(found["declarations"][0])
            time.sleep(0.05)
        raise AssertionError(f"{case.case_no} was never declared")

    def response(self) -> bytes:
        """A new signed response (received) to the shared case's declaration."""
        said = CustomsResponse(
            message_id=uuid.uuid4().hex[:14].upper(),
            sender="MOCUSTOMS",
            issued_at=datetime.now(UTC),
            declaration_message_id=self.declared["message_id"],
            permit_no=self.declared["permit_no"],
            status=CustomsStatus.received,
        )
        return customs_xml.RESPONSE_FORMAT.seal(customs_xml.build_response(said), self.signer).data

    def inbox(self) -> int:
        with self.sessions() as session:
            return len(customs_store.responses_of_case(session, self.case.case_no))

    def acknowledged(self, message_id: str) -> object:
        with self.sessions() as session:
            row = customs_store.declaration(session, message_id)
            assert row is not None
            return row.acknowledged_at


@pytest.fixture(scope="module")
def world(service: str, staff: Staff, sessions: SessionFactory, settings: Settings) -> CustomsWorld:
    return CustomsWorld(service, staff, sessions, settings)


def _list(world: CustomsWorld, caller: str, allowed: bool) -> Call:
    def verify(response: httpx.Response) -> None:
        assert response.json()["items"][0]["message_id"] == world.declared["message_id"]

    return Call(
        path="/customs/messages",
        kwargs={"params": {"after": world.declared["cursor"] - 1}},
        secrets=[world.declared["message_id"]],
        verify=verify,
    )


def _fetch(world: CustomsWorld, caller: str, allowed: bool) -> Call:
    def verify(response: httpx.Response) -> None:
        assert response.headers["content-type"].startswith("application/xml")
        assert hashlib.sha256(response.content).hexdigest() == world.declared["xml_sha256"]

    return Call(
        path=f"/customs/messages/{world.declared['message_id']}",
        secrets=[world.declared["permit_no"]],
        verify=verify,
    )


def _acknowledge(world: CustomsWorld, caller: str, allowed: bool) -> Call:
    aimed = world.declared if allowed else world.untouched
    message_id = aimed["message_id"]

    def verify(response: httpx.Response) -> None:
        assert response.json()["acknowledged_at"] is not None
        assert world.acknowledged(message_id) is not None

    return Call(
        path=f"/customs/messages/{message_id}/acknowledgement",
        snapshot=lambda: world.acknowledged(message_id),
        verify=verify,
    )


def _respond(world: CustomsWorld, caller: str, allowed: bool) -> Call:
    before = world.inbox()

    def verify(response: httpx.Response) -> None:
        assert response.json()["case_no"] == world.case.case_no
        assert world.inbox() == before + 1

    return Call(
        path="/customs/responses",
        kwargs={"content": world.response(), "headers": {"Content-Type": "application/xml"}},
        snapshot=world.inbox,
        verify=verify,
    )


def _case_exchange(world: CustomsWorld, caller: str, allowed: bool) -> Call:
    def verify(response: httpx.Response) -> None:
        declared = response.json()["declarations"]
        assert declared[0]["message_id"] == world.declared["message_id"]

    return Call(
        path=f"/permits/{world.case.case_no}/customs",
        owner=world.case.owner,
        secrets=[world.declared["message_id"]],
        verify=verify,
    )


_M = f"{PREFIX}/customs/messages"

CUSTOMS_MATRIX: dict[tuple[str, str], Row[CustomsWorld]] = {
    ("GET", _M): Row(Action.exchange_with_customs, False, _list),
    ("GET", f"{_M}/{{message_id}}"): Row(Action.exchange_with_customs, False, _fetch),
    ("POST", f"{_M}/{{message_id}}/acknowledgement"): Row(
        Action.exchange_with_customs, False, _acknowledge
    ),
    ("POST", f"{PREFIX}/customs/responses"): Row(Action.exchange_with_customs, False, _respond),
    ("GET", f"{PREFIX}/permits/{{case_no}}/customs"): Row(Action.view_cases, True, _case_exchange),
}


@pytest.mark.parametrize(**access_cases(CUSTOMS_MATRIX))
def test_access(world: CustomsWorld, endpoint: tuple[str, str], caller: str) -> None:
    check_access(world, endpoint, CUSTOMS_MATRIX[endpoint], caller)
