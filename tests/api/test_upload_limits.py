"""Uploads cannot fill the disk: each operator has a quota of files and bytes, and a rate of
uploads per minute (429 with ``Retry-After`` past it). An app with small limits (settings) on
the suite's database serves the uploads; the traders come from the running service."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import Engine, func, select

from kp_licensing.api.app import create_app
from kp_licensing.store.models import Document
from kp_licensing.support.settings import Settings
from tests.api.client import PDF, Api


def _limited(settings: Settings, **limits: Any) -> FastAPI:
    return create_app(settings.model_copy(update=limits))


@pytest.fixture
async def uploader(trader: Api) -> AsyncIterator[Any]:
    clients: list[httpx.AsyncClient] = []

    def client(app: FastAPI, who: Api | None = None) -> httpx.AsyncClient:
        made = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app),
            base_url="http://kp/api/v1",
            headers={"Authorization": (who or trader).http.headers["Authorization"]},
        )
        clients.append(made)
        return made

    yield client
    for made in clients:
        await made.aclose()


async def _upload(client: httpx.AsyncClient, content: bytes = PDF) -> httpx.Response:
    return await client.post(
        "/documents",
        files={"file": ("doc.pdf", content, "application/pdf")},
        data={"kind": "criminal_record"},
    )


def _documents(engine: Engine, operator_id: int | None) -> int:
    with engine.connect() as conn:
        query = select(func.count()).where(Document.operator_id == operator_id)  # type: ignore[arg-type]
        return int(conn.execute(query.select_from(Document)).scalar_one())


async def test_a_burst_of_uploads_waits_past_the_rate(
    settings: Settings, uploader: Any, trader: Api, other_trader: Api, engine: Engine
) -> None:
    app = _limited(settings, upload_per_minute=5)
    mine = uploader(app)
    statuses = [(await _upload(mine)).status_code for _ in range(5)]
    assert statuses == [201] * 5, statuses
    refused = await _upload(mine)
    assert refused.status_code == 429, refused.text
    assert refused.json()["code"] == "too_many_requests"
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    assert refused.json()["retry_after_seconds"] == int(refused.headers["retry-after"])
    assert _documents(engine, trader.operator_id) == 5
    assert (await _upload(uploader(app, other_trader))).status_code == 201  # per operator


async def test_an_operator_stops_at_its_quota_of_files(
    settings: Settings, uploader: Any, trader: Api, engine: Engine
) -> None:
    mine = uploader(_limited(settings, upload_quota_files=3))
    for _ in range(3):
        assert (await _upload(mine)).status_code == 201
    refused = await _upload(mine)
    assert refused.status_code == 409, refused.text
    assert refused.json()["message_code"] == "document.quota_files"
    assert "3 documents" in refused.json()["detail"]
    assert _documents(engine, trader.operator_id) == 3


async def test_an_operator_stops_at_its_quota_of_bytes(
    settings: Settings, uploader: Any, trader: Api, engine: Engine
) -> None:
    mine = uploader(_limited(settings, upload_quota_bytes=2048))
    big = PDF + b"%" + b"x" * 1200 + b"\n"
    assert (await _upload(mine, big)).status_code == 201
    assert (await _upload(mine, big + b"%2\n")).status_code == 201  # the quota is now reached
    refused = await _upload(mine, big + b"%3\n")
    assert refused.status_code == 409, refused.text
    assert refused.json()["message_code"] == "document.quota_bytes"
    assert "2 KiB" in refused.json()["detail"]
    assert _documents(engine, trader.operator_id) == 2
