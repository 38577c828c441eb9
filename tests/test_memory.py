"""Start-up objects leave the garbage collector's reach once the API and the worker are built."""

from __future__ import annotations

import gc

from kp_licensing.run.memory import freeze_start_up


def test_what_start_up_made_is_frozen() -> None:
    gc.unfreeze()
    assert gc.get_freeze_count() == 0
    made = [object() for _ in range(100)]
    try:
        freeze_start_up()
        assert gc.get_freeze_count() > len(made)
    finally:
        gc.unfreeze()  # the test process goes on as before
