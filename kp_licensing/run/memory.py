"""The garbage collector, told what start-up made: a long-running process's own furniture."""

from __future__ import annotations

import gc


def freeze_start_up() -> None:
    """Collect once, then move every object alive (modules, the application and its routes,
    the schemas' validators, the SQL metadata, the workflow SDK: about a million objects) to the
    collector's permanent generation, which it never traverses again.

    Without this, each full collection walks them all: one every few hundred requests under
    load, about 0.2 s of CPU each on the 2-core development machine, a pause of every request
    and workflow task of the process (measured with ``gc.callbacks`` in
    ``bench.licence_throughput``: 1.1 ms per case of the apply pass went to two of them). What
    requests create and drop is still collected as before; start-up objects live as long as
    the process anyway. Called by the API and the worker once they are built (twice in one
    process, as ``kp-licensing dev`` runs both, is harmless)."""
    gc.collect()
    gc.freeze()
