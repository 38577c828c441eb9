"""The guards of a shipment case's transitions: each raises Conflict when the transition is
impossible now (or RuleViolation for a date it cannot have). Run by ``PermitWorkflow``'s
validators and again inside its handlers."""

from __future__ import annotations

from datetime import date

from kp_licensing.domain.errors import Conflict, RuleViolation
from schemas.messages import say
from schemas.permit import PermitState, PermitStatus
from schemas.shipment import PermitKind


def _not_final(state: PermitState) -> None:
    if state.status.is_final:
        raise Conflict("case.final", case_no=state.case_no, status=state.status)


def guard_review(state: PermitState) -> None:
    """Request information, approve, reject: only an application under review."""
    _not_final(state)
    if state.status != PermitStatus.under_review:
        raise Conflict("permit.not_under_review", case_no=state.case_no, status=state.status)


def guard_answer(state: PermitState) -> None:
    _not_final(state)
    if state.status != PermitStatus.info_requested:
        raise Conflict("permit.no_information_request", case_no=state.case_no, status=state.status)


def guard_withdraw(state: PermitState) -> None:
    _not_final(state)
    if state.status not in (
        PermitStatus.under_review,
        PermitStatus.info_requested,
        PermitStatus.on_hold,
        PermitStatus.approved,
    ):
        raise Conflict("permit.not_withdrawable", case_no=state.case_no, status=state.status)


def guard_cancel(state: PermitState) -> None:
    """A supervisor may cancel a shipment licence case in any status but a final one."""
    _not_final(state)


def _wrong_kind(state: PermitState, kind: PermitKind) -> Conflict:
    """The case is a licence of another kind than the one the arrival is for."""
    case_no = state.case_no
    if kind == PermitKind.import_:
        if state.kind == PermitKind.export:
            return Conflict("permit.kind.export_not_import", case_no=case_no)
        return Conflict("permit.kind.transit_not_import", case_no=case_no)
    if kind == PermitKind.transit:
        if state.kind == PermitKind.import_:
            return Conflict("permit.kind.import_not_transit", case_no=case_no)
        return Conflict("permit.kind.export_not_transit", case_no=case_no)
    if state.kind == PermitKind.import_:
        return Conflict("permit.kind.import_not_export", case_no=case_no)
    return Conflict("permit.kind.transit_not_export", case_no=case_no)


def guard_arrival(state: PermitState, kind: PermitKind, on: date) -> None:
    """Import arrival or transit entry: an approved licence of that kind, used within validity."""
    _not_final(state)
    if state.status != PermitStatus.approved:
        raise Conflict("permit.not_usable", case_no=state.case_no, status=state.status)
    if state.kind != kind:
        raise _wrong_kind(state, kind)
    if state.valid_until is not None and on > state.valid_until:
        raise Conflict("permit.expired", permit_no=state.permit_no, valid_until=state.valid_until)


def guard_exit(state: PermitState) -> None:
    _not_final(state)
    if state.status != PermitStatus.in_transit:
        raise Conflict("permit.not_in_transit", case_no=state.case_no, status=state.status)


def guard_found_on(state: PermitState, on: date, today: date) -> None:
    """An arrival, entry or exit happened while the licence was valid, and not after today
    (Macao): an exit no earlier than the entry it follows. Refused (422) naming the range."""
    first, exit_ = state.issued_on, False
    if state.status == PermitStatus.in_transit and state.arrival is not None:
        first, exit_ = state.arrival.date, True
    last = min(today, state.valid_until) if state.valid_until else today
    if first is not None and first <= on <= last:
        return
    said = {
        "on": on,
        "last": last,
        "permit_no": state.permit_no,
        "issued_on": state.issued_on,
        "valid_until": state.valid_until,
        "today": today,
    }
    if first is None:  # never issued: only the end of the range is known
        details = [{"field": "date", "message": _say_until(last)}]
        del said["issued_on"]
        if state.kind == PermitKind.import_:
            raise RuleViolation("permit.arrival_date_outside_unissued", details=details, **said)
        raise RuleViolation("permit.entry_date_outside_unissued", details=details, **said)
    details = [{"field": "date", "message": _say_between(first, last)}]
    if exit_:
        raise RuleViolation("permit.exit_date_outside", details=details, first=first, **said)
    if state.kind == PermitKind.import_:
        raise RuleViolation("permit.arrival_date_outside", details=details, first=first, **said)
    raise RuleViolation("permit.entry_date_outside", details=details, first=first, **said)


def guard_departed_on(state: PermitState, on: date, today: date) -> None:
    """An export leaves while its licence is valid, and not after today (Macao)."""
    first = state.issued_on
    last = min(today, state.valid_until) if state.valid_until else today
    if first is not None and first <= on <= last:
        return
    raise RuleViolation(
        "permit.departure_date_outside",
        details=[{"field": "departed_on", "message": _say_between(first or last, last)}],
        on=on,
        first=first or last,
        last=last,
        permit_no=state.permit_no,
    )


def _say_between(first: date, last: date) -> dict[str, object]:
    return say("range.dates", first=first, last=last).model_dump(mode="json")


def _say_until(last: date) -> dict[str, object]:
    return say("range.until", last=last).model_dump(mode="json")


def guard_resolve(state: PermitState) -> None:
    _not_final(state)
    if state.status != PermitStatus.discrepancy:
        raise Conflict("permit.no_discrepancy", case_no=state.case_no, status=state.status)
