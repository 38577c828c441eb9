"""The paging of lists as the API takes it: its query parameters (the cursors themselves are
``kp_licensing.services.paging``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query

#: The deepest offset served: deeper pages are cheap only by cursor (an offset makes the
#: database walk and discard every row before the page).
MAX_OFFSET = 10_000

Limit = Annotated[int, Query(ge=1, le=200, description="Rows per page.")]
Offset = Annotated[
    int,
    Query(
        ge=0,
        le=MAX_OFFSET,
        description=f"Rows to skip (at most {MAX_OFFSET}); page deeper with `cursor`.",
    ),
]
Cursor = Annotated[
    str | None,
    Query(
        max_length=512,
        description="The `next_cursor` of the previous page, unchanged: the page after it. "
        "Stable while cases are added. Not with `offset`.",
    ),
]
IncludeTotal = Annotated[
    bool,
    Query(
        description="Count every matching case into `total` (one more index scan over all "
        "matches); false leaves `total` null, for clients that page by cursor."
    ),
]
