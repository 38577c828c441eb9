"""A time-skipping Temporal test server and a worker wired to the test database."""

from __future__ import annotations

from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment

from kp_licensing.store.db import SessionFactory
from kp_licensing.support.binaries import temporal_test_server
from workflows.worker import build_worker

TASK_QUEUE = "kp-test"


@pytest.fixture(scope="session")
async def env() -> AsyncIterator[WorkflowEnvironment]:
    # The converter goes to the environment itself: without it time-skipping silently stops.
    async with await WorkflowEnvironment.start_time_skipping(
        data_converter=pydantic_data_converter,
        test_server_existing_path=str(temporal_test_server()),
    ) as env:
        yield env


@pytest.fixture(scope="session")
async def worker(env: WorkflowEnvironment, sessions: SessionFactory) -> AsyncIterator[None]:
    with ThreadPoolExecutor(max_workers=8) as executor:
        async with build_worker(
            env.client, task_queue=TASK_QUEUE, sessions=sessions, executor=executor
        ):
            yield
