"""A time-skipping Temporal test server and a worker wired to the test database."""

from __future__ import annotations

from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from temporalio.testing import WorkflowEnvironment

from edi.signer import KeySigner
from kp_licensing.store.db import SessionFactory
from kp_licensing.support.binaries import temporal_test_server
from kp_licensing.support.payloads import data_converter
from kp_licensing.support.settings import Settings
from workflows.worker import build_worker

TASK_QUEUE = "kp-test"


#: The service's converter (payloads encrypted with the development key), and the one replays
#: of stored histories use: those recorded before encryption hold payloads in clear.
CONVERTER = data_converter(Settings().keyring())
REPLAY_CONVERTER = data_converter(Settings().keyring(), accept_plaintext=True)


@pytest.fixture(scope="session")
async def env() -> AsyncIterator[WorkflowEnvironment]:
    # The converter goes to the environment itself: without it time-skipping silently stops.
    async with await WorkflowEnvironment.start_time_skipping(
        data_converter=CONVERTER,
        test_server_existing_path=str(temporal_test_server()),
    ) as env:
        yield env


@pytest.fixture(scope="session")
async def worker(
    env: WorkflowEnvironment, sessions: SessionFactory, dsedt: KeySigner
) -> AsyncIterator[None]:
    with ThreadPoolExecutor(max_workers=8) as executor:
        async with build_worker(
            env.client, task_queue=TASK_QUEUE, sessions=sessions, executor=executor, signer=dsedt
        ):
            yield
