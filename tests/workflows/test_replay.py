"""Stored histories of every case workflow replay cleanly on today's code.

A change that fails here would break running licences (a licence lives for years): guard it with
``workflow.patched()`` or a new worker deployment version instead of re-recording, unless no
production history can hold the old shape. Re-record with
``python -m tests.workflows.record_histories``.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from temporalio.client import WorkflowHistory
from temporalio.worker import Replayer

from tests.workflows.conftest import REPLAY_CONVERTER
from workflows.worker import WORKFLOWS

HISTORIES = sorted(Path(__file__).with_name("histories").glob("*.json"))


def test_there_are_histories_to_replay() -> None:
    assert {p.stem.split("_")[0] for p in HISTORIES} == {"licence", "permit", "certificate"}


@pytest.mark.parametrize("path", HISTORIES, ids=[p.stem for p in HISTORIES])
async def test_history_replays(path: Path) -> None:
    history = WorkflowHistory.from_json(path.stem, path.read_text())
    replayer = Replayer(workflows=WORKFLOWS, data_converter=REPLAY_CONVERTER)
    result = await replayer.replay_workflow(history, raise_on_replay_failure=True)
    assert result.replay_failure is None
