"""The store's promises: projection writes are idempotent and only move forward, and counters
never hand out a number twice, even to concurrent writers."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

from sqlmodel import Session

from kp_licensing.store import licences, notifications, sequences
from kp_licensing.store.db import SessionFactory
from schemas.common import SYSTEM_ACTOR
from schemas.licence import LicenceRecord, LicenceStatus, Transition
from schemas.messages import say
from tests.factories import licence_start, operator_row, unique


def _record(state, seq: int, status: LicenceStatus) -> LicenceRecord:  # type: ignore[no-untyped-def]
    state = state.model_copy(deep=True, update={"seq": seq, "status": status})
    transition = Transition(
        seq=seq,
        at=datetime.now(UTC),
        actor=SYSTEM_ACTOR,
        action=f"step{seq}",
        from_status=None,
        to_status=status,
    )
    notice = say("notice.case.lapsed", case_no=f"attempt {seq}")
    return LicenceRecord(state=state, transition=transition, notice=notice)


def test_a_repeated_or_late_record_changes_nothing(sessions: SessionFactory) -> None:
    with sessions() as session:
        operator = operator_row(session)
    assert operator.id is not None
    state = licence_start(operator.id).state
    first = _record(state, 1, LicenceStatus.under_review)
    second = _record(state, 2, LicenceStatus.active)
    with sessions() as session:
        assert licences.apply_record(session, first)
        assert licences.apply_record(session, second)
        assert not licences.apply_record(session, second)  # a retried activity
        assert not licences.apply_record(session, first)  # a late, older one
        row = licences.get(session, state.case_no)
        assert row is not None and (row.status, row.seq) == ("active", 2)
        assert [e.seq for e in licences.events(session, state.case_no)] == [1, 2]


def test_a_case_row_this_session_loaded_is_read_again_after_a_write(
    sessions: SessionFactory,
) -> None:
    """The projection writes with Core statements, beneath any ORM object of the row the
    session holds: that object is expired, so the session's next read sees the new state."""
    with sessions() as session:
        operator = operator_row(session)
    assert operator.id is not None
    state = licence_start(operator.id).state
    with sessions() as session:
        assert licences.apply_record(session, _record(state, 1, LicenceStatus.under_review))
        loaded = licences.get(session, state.case_no)
        assert loaded is not None and loaded.status == "under_review"
        assert licences.apply_record(session, _record(state, 2, LicenceStatus.active))
        again = licences.get(session, state.case_no)
        assert again is not None and (again.status, again.seq) == ("active", 2)
        assert again.state["status"] == "active"


def test_concurrent_counters_never_repeat(sessions: SessionFactory) -> None:
    name = unique("counter-")

    def take(_: int) -> int:
        with sessions() as session:
            value = sequences.next_value(session, name)
            session.commit()
            return value

    with ThreadPoolExecutor(8) as pool:
        values = list(pool.map(take, range(80)))
    assert sorted(values) == list(range(1, 81))


def test_a_number_request_gets_the_same_number_on_retry(sessions: SessionFactory) -> None:
    key, counter = unique("key-"), unique("c-")
    with sessions() as session:
        first = sequences.allocate_number(session, key=key, counter=counter, render=str)
        again = sequences.allocate_number(session, key=key, counter=counter, render=str)
        other = sequences.allocate_number(session, key=key + "x", counter=counter, render=str)
    assert first == again == "1" and other == "2"


def test_a_number_left_to_the_callers_transaction_is_not_taken_if_it_rolls_back(
    sessions: SessionFactory,
) -> None:
    """An approval whose projection fails hands out no number: the retry gets the same one, and
    the counter has no gap."""
    key, counter = unique("key-"), unique("c-")

    def take(session: Session, *, commit: bool) -> str:
        return sequences.allocate_number(
            session, key=key, counter=counter, render=lambda n: f"{counter}/{n}", commit=commit
        )

    with sessions() as session:
        assert take(session, commit=False) == f"{counter}/1"
        session.rollback()  # the projection written with it failed
    with sessions() as session:
        assert take(session, commit=False) == f"{counter}/1"
        session.commit()  # written with its projection
    with sessions() as session:
        assert take(session, commit=True) == f"{counter}/1"
        assert sequences.next_value(session, counter) == 2


def test_a_transition_written_again_by_a_later_attempt_takes_its_content(
    sessions: SessionFactory,
) -> None:
    """A local activity re-run after a worker died carries the same transition number but the
    new attempt's clock: the projection keeps what the workflow's history keeps, the last."""
    with sessions() as session:
        operator = operator_row(session)
    assert operator.id is not None
    state = licence_start(operator.id).state
    first = _record(state, 1, LicenceStatus.under_review)
    later = _record(state, 1, LicenceStatus.under_review)
    later.state.updated_at = later.transition.at = datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC)
    later.notice = say("notice.case.rejected", case_no=state.case_no, reason="second attempt")
    with sessions() as session:
        assert licences.apply_record(session, first)
        assert not licences.apply_record(session, later)
        row = licences.get(session, state.case_no)
        assert row is not None and row.state["updated_at"] == "2030-01-02T03:04:05Z"
        (event,) = licences.events(session, state.case_no)
        assert event.at == later.transition.at
        notices = notifications.for_operator(session, operator.id)
        mine = [notifications.message_of(n) for n in notices if n.case_no == state.case_no]
        assert mine == [later.notice]


def test_transitions_a_lost_workflow_task_projected_give_way_to_the_history(
    sessions: SessionFactory,
) -> None:
    """A workflow task projected an approval and what followed it, then its worker died
    before the task completed; a signal reached the workflow before the approval was sent
    again, so the history's next transition is another one. The projection follows the
    history: the lost ones are gone, events and notices."""
    with sessions() as session:
        operator = operator_row(session)
    assert operator.id is not None
    state = licence_start(operator.id).state
    first = _record(state, 1, LicenceStatus.under_review)
    lost = [_record(state, 2, LicenceStatus.active), _record(state, 3, LicenceStatus.active)]
    held = _record(state, 2, LicenceStatus.under_review)
    held.transition.action = "held"
    with sessions() as session:
        assert licences.apply_record(session, first)
        assert all(licences.apply_record(session, record) for record in lost)
        assert licences.apply_record(session, held)
        assert not licences.apply_record(session, first)  # a late, older one: still nothing
        row = licences.get(session, state.case_no)
        assert row is not None and (row.status, row.seq) == ("under_review", 2)
        events = licences.events(session, state.case_no)
        assert [(e.seq, e.action) for e in events] == [(1, "step1"), (2, "held")]
        notices = notifications.for_operator(session, operator.id)
        keys = sorted(n.key for n in notices if n.case_no == state.case_no)
        assert keys == [f"{state.case_no}/1", f"{state.case_no}/2"]
