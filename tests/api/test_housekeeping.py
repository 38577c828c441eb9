"""The housekeeping schedule deletes uploads no case was given within the retention, with the
files no other row shares, partial uploads of dead requests, forgotten failed attempts and the
portal's ended sessions; a
document a case holds, a recent one and a file another row shares stay. The running service's
worker made the schedule; the test triggers it and reads the run's report."""

from __future__ import annotations

import asyncio
import os
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine, update
from sqlmodel import Session, select
from temporalio.client import Client, ScheduleActionExecutionStartWorkflow

from kp_licensing.store.documents import UPLOAD_PREFIX
from kp_licensing.store.models import Document, FailedAttempts
from kp_licensing.store.portal_models import PortalSession
from kp_licensing.support.settings import Settings
from schemas.housekeeping import HousekeepingReport
from tests.api.client import PDF, Api
from tests.api.portal import Browser
from workflows.client import connect
from workflows.schedules import HOUSEKEEPING

OLD = timedelta(days=40)  # past the default retention of 30 days


def _unique_pdf() -> bytes:
    return PDF + uuid.uuid4().hex.encode()


def _age(engine: Engine, document_ids: list[str], by: timedelta) -> None:
    with Session(engine) as session:
        session.execute(
            update(Document)
            .where(Document.id.in_(document_ids))  # type: ignore[attr-defined]
            .values(uploaded_at=datetime.now(UTC) - by)
        )
        session.commit()


async def _run_housekeeping(client: Client) -> HousekeepingReport:
    schedule = client.get_schedule_handle(HOUSEKEEPING)
    before = len((await schedule.describe()).info.recent_actions)
    await schedule.trigger()
    for _ in range(300):
        actions = (await schedule.describe()).info.recent_actions
        if len(actions) > before:
            started = actions[-1].action
            assert isinstance(started, ScheduleActionExecutionStartWorkflow)
            handle = client.get_workflow_handle(
                started.workflow_id,
                run_id=started.first_execution_run_id,
                result_type=HousekeepingReport,
            )
            report: HousekeepingReport = await handle.result()
            return report
        await asyncio.sleep(0.1)
    raise AssertionError("the schedule did not start the housekeeping")


def _exists(engine: Engine, document_id: str) -> bool:
    with Session(engine) as session:
        return session.get(Document, document_id) is not None


async def test_unused_uploads_go_and_what_a_case_holds_stays(
    service: str, settings: Settings, trader: Api, engine: Engine
) -> None:
    files = settings.documents_dir
    case = trader.apply()
    given = [d["id"] for d in case["documents"]]
    shared_bytes = _unique_pdf()
    holder = trader.upload("lease", shared_bytes)  # recent, unused: stays, and keeps its file
    shared = trader.upload("lease", shared_bytes)  # old, unused: goes, its file does not
    lonely = trader.upload("lease", _unique_pdf())  # old, unused: goes with its file
    _age(engine, [*given, shared["id"], lonely["id"]], OLD)
    partial = files / f"{UPLOAD_PREFIX}dead"
    partial.write_bytes(b"%PDF-")
    two_days_ago = time.time() - 2 * 86400
    os.utime(partial, (two_days_ago, two_days_ago))
    with Session(engine) as session:
        session.add(
            FailedAttempts(
                scope="address",
                subject=f"203.0.113.{uuid.uuid4().int % 250}",
                failures=3,
                last_failure_at=datetime.now(UTC) - timedelta(days=3),
            )
        )
        session.commit()

    client = await connect(settings)
    report = await _run_housekeeping(client)

    assert report.documents.documents >= 2
    assert report.documents.files >= 1
    assert report.documents.partial_uploads >= 1
    assert report.failed_attempts >= 1
    assert all(_exists(engine, i) for i in given), "a case's documents were deleted"
    assert _exists(engine, holder["id"])
    assert not _exists(engine, shared["id"])
    assert not _exists(engine, lonely["id"])
    assert _file(files, holder["sha256"]).exists()
    assert not _file(files, lonely["sha256"]).exists()
    assert not partial.exists()
    assert trader.request("GET", f"/documents/{holder['id']}/content").content == shared_bytes
    assert trader.request("GET", f"/documents/{lonely['id']}").status_code == 404


async def test_an_unused_document_sent_after_its_deletion_is_unknown(
    service: str, settings: Settings, trader: Api, engine: Engine
) -> None:
    """The other order: the housekeeping went first, so the application is refused naming the
    document, and nothing of it is written."""
    body = trader.application()
    _age(engine, body["document_ids"][:1], OLD)
    client = await connect(settings)
    await _run_housekeeping(client)
    refused = trader.request("POST", "/licences", json=body)
    assert refused.status_code == 422, refused.text
    assert refused.json()["message_code"] == "document.unknown"
    assert body["document_ids"][0] in refused.text


def _file(root: Path, sha256: str) -> Path:
    return root / sha256[:2] / sha256


async def test_ended_portal_sessions_go_and_live_ones_stay(
    service: str, settings: Settings, engine: Engine
) -> None:
    browser = Browser.open(service)
    browser.register()
    live = browser.client.cookies["kp_session"]
    other = Browser.open(service)
    other.register()
    with Session(engine) as session:  # one idle past the limit, one past its absolute end
        rows = session.exec(select(PortalSession).order_by(PortalSession.id.desc())).all()  # type: ignore[union-attr]
        idle, ended = (
            rows[0],
            PortalSession(
                token_hash=uuid.uuid4().hex,
                user_id=rows[0].user_id,
                token_version=0,
                expires_at=datetime.now(UTC) - timedelta(minutes=1),
            ),
        )
        idle.last_seen_at = datetime.now(UTC) - timedelta(minutes=settings.portal_idle_minutes + 1)
        session.add_all([idle, ended])
        session.commit()
        gone = {idle.token_hash, ended.token_hash}

    report = await _run_housekeeping(await connect(settings))

    assert report.portal_sessions >= 2
    with Session(engine) as session:
        left = set(session.exec(select(PortalSession.token_hash)).all())
    assert not gone & left
    assert browser.client.cookies["kp_session"] == live
    assert browser.get("/trader").status_code == 200  # the live session still works
