"""Crash recovery of the customs exchange: imports are approved while the customs simulator
keeps pulling, acknowledging and answering, and the worker and the API are each killed with
SIGKILL once and restarted. At the end every declaration was delivered (acknowledged), every
response received was kept and delivered, none was applied twice, and every import was
released and cleared exactly once."""

from __future__ import annotations

import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlmodel import col, select

from edi.pki import CUSTOMS, load_signer
from kp_licensing.cli.customs_sim import CustomsSimulator
from kp_licensing.store import people
from kp_licensing.store.customs_models import CustomsInbox, CustomsOutbox
from kp_licensing.store.db import SessionFactory
from kp_licensing.store.permit_models import PermitEvent
from schemas.common import Role
from tests.api.client import Api
from tests.api.test_permits import certificate, shipment
from tests.test_crash_recovery import Stack, officer_of, stack, until_answered, wait_until

__all__ = ["stack"]  # the fixture, shared with test_crash_recovery

pytestmark = pytest.mark.processes

IMPORTS = 8
CONCURRENCY = 4


def customs_key(sessions: SessionFactory) -> str:
    """A customs system's account and API key, as an administrator makes them."""
    with sessions() as session:
        user = people.create_user(
            session,
            username=f"customs-{uuid.uuid4().hex[:6]}",
            full_name="Customs EDI gateway",
            role=Role.customs,
            password=None,
        )
        expires_at = datetime.now(UTC) + timedelta(days=1)
        key, _ = people.create_api_key(
            session, user=user, label="crash test", expires_at=expires_at
        )
    return key


def answering(simulator: CustomsSimulator, stop: threading.Event, turns: list[int]) -> None:
    """Customs' side: a turn every 0.2 s, whatever happens to the service (a failed turn is
    tried again: the declarations stay unacknowledged until one succeeds)."""
    while not stop.is_set():
        try:
            simulator.turn()
        except Exception:  # the API killed mid-turn: the next turn takes it up again
            turns.append(0)
        else:
            turns.append(1)
        stop.wait(0.2)


@pytest.mark.slow
def test_customs_answers_through_crashes(stack: Stack) -> None:
    sessions = stack.sessions
    officer = officer_of(stack, sessions)
    holders = []
    for _ in range(IMPORTS):
        trader = Api.register(stack.base)
        case_no = trader.apply(activities=["import"])["case_no"]
        officer.ok("POST", f"/licences/{case_no}/approve", json={})
        holders.append(trader)
    applied = [
        t.ok(
            "POST",
            "/permits",
            json={**shipment(t, "import"), "foreign_certificate": certificate(t)},
        )
        for t in holders
    ]
    cases = [a["case_no"] for a in applied]

    simulator = CustomsSimulator(
        http=httpx.Client(
            base_url=stack.base + "/api/v1",
            headers={"X-API-Key": customs_key(sessions)},
            timeout=10,
        ),
        signer=load_signer(stack.pki.key(CUSTOMS), stack.pki.chain(CUSTOMS)),
        trust_store=stack.pki.ca,
        office="MOCUSTOMS",
    )
    stop, turns = threading.Event(), []
    customs = threading.Thread(target=answering, args=(simulator, stop, turns))
    customs.start()

    approved: list[str] = []
    kills: list[tuple[str, int]] = []

    def chaos() -> None:
        for part, after in ((stack.worker, 2), (stack.api, 5)):
            wait_until(lambda after=after: len(approved) >= after, f"{after} approvals", 300)
            kills.append((part.name, len(approved)))
            part.kill()
            time.sleep(1.5)
            if part is stack.api:
                stack.start_api()
            else:
                part.start()

    killer = threading.Thread(target=chaos)
    killer.start()

    def approve(case_no: str) -> None:
        key = {"Idempotency-Key": f"approve-{uuid.uuid4()}"}
        answer = until_answered(
            lambda: officer.request("POST", f"/permits/{case_no}/approve", json={}, headers=key)
        )
        # 200 even when customs closed the case before a repeat came: the first answer.
        assert answer.status_code == 200, answer.text
        approved.append(case_no)

    try:
        with ThreadPoolExecutor(CONCURRENCY) as pool:
            list(pool.map(approve, cases))
        killer.join(300)

        def all_cleared() -> bool:
            statuses = [
                until_answered(lambda c=c: officer.request("GET", f"/permits/{c}")).json()["status"]
                for c in cases
            ]
            return set(statuses) == {"cleared"}

        wait_until(all_cleared, "every import released and cleared", 240)
    finally:
        stop.set()
        customs.join(30)
    assert [name for name, _ in kills] == ["worker", "api"]
    # Customs met the API down (a failed turn) and went on answering.
    assert 0 in turns and 1 in turns[turns.index(0) :], turns

    with sessions() as session:
        declarations = session.exec(
            select(CustomsOutbox).where(col(CustomsOutbox.case_no).in_(cases))
        ).all()
        responses = session.exec(
            select(CustomsInbox).where(col(CustomsInbox.case_no).in_(cases))
        ).all()
        events = session.exec(select(PermitEvent).where(col(PermitEvent.case_no).in_(cases))).all()
    # Every declaration delivered: one per import, each acknowledged.
    assert sorted(d.case_no for d in declarations) == sorted(cases)
    assert all(d.acknowledged_at is not None for d in declarations)
    # Every response kept was handed to its case.
    assert responses and all(r.delivered_at is not None for r in responses)
    # None applied twice; each import released and cleared once.
    applied_ids = Counter(
        e.details["message_id"] for e in events if e.details.get("message_id", "").startswith("R")
    )
    assert applied_ids and max(applied_ids.values()) == 1, applied_ids
    arrived = Counter(e.case_no for e in events if e.action == "arrived")
    assert arrived == Counter(cases)
    released = {r.message_id for r in responses if r.status == "released"}
    assert {e.details["message_id"] for e in events if e.action == "arrived"} <= released
    # What customs said and the case heard before its release is in its history, once each.
    cleared_at = {e.case_no: e.at for e in events if e.action == "arrived"}
    heard: dict[str, Any] = {
        r.message_id: r
        for r in responses
        if r.status in ("received", "accepted")
        and r.delivered_at is not None
        and r.delivered_at < cleared_at[r.case_no]
    }
    assert heard and set(heard) <= set(applied_ids), set(heard) - set(applied_ids)
