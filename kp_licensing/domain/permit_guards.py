"""The guards of a shipment case's transitions: each raises Conflict when the transition is
impossible now (or RuleViolation for a date it cannot have). Run by ``PermitWorkflow``'s
validators and again inside its handlers."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from kp_licensing.domain.errors import Conflict, RuleViolation
from kp_licensing.domain.permits import with_article
from schemas.permit import PermitState, PermitStatus
from schemas.shipment import PermitKind


def _require(state: PermitState, ok: Callable[[PermitStatus], bool], what: str) -> None:
    if state.status.is_final:
        raise Conflict(f"case {state.case_no} is {state.status.value}; it can no longer change")
    if not ok(state.status):
        raise Conflict(f"case {state.case_no} is {state.status.value}: {what}")


def guard_review(state: PermitState) -> None:
    """Request information, approve, reject: only an application under review."""
    _require(
        state,
        lambda s: s == PermitStatus.under_review,
        "only an application under review can be decided",
    )


def guard_answer(state: PermitState) -> None:
    _require(
        state, lambda s: s == PermitStatus.info_requested, "there is no open information request"
    )


def guard_withdraw(state: PermitState) -> None:
    _require(
        state,
        lambda s: (
            s
            in (
                PermitStatus.under_review,
                PermitStatus.info_requested,
                PermitStatus.on_hold,
                PermitStatus.approved,
            )
        ),
        "only an unused licence or a pending application can be withdrawn",
    )


def guard_cancel(state: PermitState) -> None:
    """A supervisor may cancel a shipment licence case in any status but a final one."""
    _require(state, lambda _: True, "only an open case can be cancelled")


def guard_arrival(state: PermitState, kind: PermitKind, on: date) -> None:
    """Import arrival or transit entry: an approved licence of that kind, used within validity."""
    _require(
        state, lambda s: s == PermitStatus.approved, "only an approved, unused licence can be used"
    )
    if state.kind != kind:
        raise Conflict(
            f"case {state.case_no} is {with_article(state.kind.value)} licence, "
            f"not {with_article(kind.value)} licence"
        )
    if state.valid_until is not None and on > state.valid_until:
        raise Conflict(f"licence {state.permit_no} was valid until {state.valid_until}")


def guard_exit(state: PermitState) -> None:
    _require(state, lambda s: s == PermitStatus.in_transit, "only a shipment in transit can leave")


def guard_found_on(state: PermitState, on: date, today: date) -> None:
    """An arrival, entry or exit happened while the licence was valid, and not after today
    (Macao): an exit no earlier than the entry it follows. Refused (422) naming the range."""
    first = state.issued_on
    if state.status == PermitStatus.in_transit and state.arrival is not None:
        first, what = state.arrival.date, "the exit date"
    else:
        what = "the arrival date" if state.kind == PermitKind.import_ else "the entry date"
    last = min(today, state.valid_until) if state.valid_until else today
    if first is not None and first <= on <= last:
        return
    since = f"from {first} " if first is not None else ""
    raise RuleViolation(
        f"{what} {on} is outside the allowed range: {since}to {last} (licence "
        f"{state.permit_no} issued on {state.issued_on}, valid until {state.valid_until}; "
        f"today in Macao is {today})",
        details=[
            {
                "field": "date",
                "message": f"must be {since}to {last}",
            }
        ],
    )


def guard_resolve(state: PermitState) -> None:
    _require(state, lambda s: s == PermitStatus.discrepancy, "there is no discrepancy to resolve")
