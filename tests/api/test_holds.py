"""Holds that cross cases are durable (issue 7, point 4): an invalid-certificate listing holds
every open case it covers through ``ListingHoldsWorkflow``, whatever closed meanwhile, and
whatever stopped in between (a worker, a request before the start: the sweep)."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest
from temporalio.client import Client

from kp_licensing.services import holds, registry
from kp_licensing.services.audit import Origin
from kp_licensing.services.temporal import ProcessEngine
from kp_licensing.store import participants
from kp_licensing.store.db import SessionFactory
from kp_licensing.support.settings import Settings
from schemas.common import Actor, Role
from schemas.participants import InvalidCertificateBody
from tests.api.client import Api
from tests.api.conftest import Staff
from tests.api.test_permits import certificate, shipment, wait_for
from workflows.client import connect
from workflows.permit import workflow_id


@pytest.fixture
def holder(trader: Api, staff: Staff) -> Api:
    case_no = trader.apply(activities=["import", "export", "transit"])["case_no"]
    staff.officer.ok("POST", f"/licences/{case_no}/approve", json={})
    return trader


OFFICER = Actor(user_id=1, username="registry-officer", role=Role.officer)


def imports_of_a_series(holder: Api, count: int) -> tuple[list[str], dict[str, Any]]:
    """``count`` import cases whose certificates are consecutive numbers of one series, and
    the listing body that covers the series."""
    base = 100_000_000 + uuid.uuid4().int % 800_000_000
    cases = []
    for i in range(count):
        cert = certificate(holder, number=f"AE{base + i}")
        body = shipment(holder, "import", foreign_certificate=cert)
        cases.append(holder.ok("POST", "/permits", json=body)["case_no"])
    listing = {
        "issuing_country": "AE",
        "series": {"prefix": "AE", "first": str(base), "last": str(base + count - 1)},
        "kind": "forged",
        "reason": "A series of security paper reported stolen",
        "source": "UAE KPO notice 2026/12",
    }
    return cases, listing


async def client_of(settings: Settings) -> Client:
    return await connect(settings)


async def test_a_case_closed_meanwhile_does_not_stop_the_others_being_held(
    holder: Api, staff: Staff, settings: Settings
) -> None:
    cases, listing = imports_of_a_series(holder, 3)
    # The middle case's workflow ends without its projection knowing yet (as when it closes
    # between the listing's query and its signal): its signal finds no running workflow.
    client = await client_of(settings)
    await client.get_workflow_handle(workflow_id(cases[1])).terminate("closed meanwhile")

    staff.officer.ok("POST", "/invalid-certificates", json=listing)
    for case_no in (cases[0], cases[2]):
        assert (
            "listed as forged" in wait_for(holder, case_no, "on_hold")["holds"][0]["reason"]["text"]
        )
    assert holder.ok("GET", f"/permits/{cases[1]}")["status"] == "under_review"


async def test_the_sweep_sends_the_holds_of_a_listing_whose_request_died(
    holder: Api, staff: Staff, settings: Settings, sessions: SessionFactory
) -> None:
    cases, listing = imports_of_a_series(holder, 2)
    # What a request that died between its commit and the start leaves: a listing, unsent.
    with sessions() as session:
        made = registry.mark_invalid(
            session,
            by=Origin(actor=OFFICER, address="192.0.2.1"),
            listing=InvalidCertificateBody.model_validate(listing),
        )
    engine = ProcessEngine(
        client=await client_of(settings),
        task_queue=settings.task_queue,
        wait=timedelta(seconds=20),
    )
    assert await holds.send_unsent(sessions, engine, timedelta(0)) >= 1
    for case_no in cases:
        wait_for(holder, case_no, "on_hold")
    with sessions() as session:
        assert (made.id, True) not in participants.unsent_holds(session, before=made.listed_at)
    # Withdrawn, and again left unsent: the sweep sends the releases.
    with sessions() as session:
        registry.withdraw_invalid(
            session,
            by=Origin(actor=OFFICER, address="192.0.2.1"),
            listing_id=made.id,
            reason="Listed in error",
        )
    assert await holds.send_unsent(sessions, engine, timedelta(0)) >= 1
    for case_no in cases:
        assert wait_for(holder, case_no, "under_review")["holds"] == []
