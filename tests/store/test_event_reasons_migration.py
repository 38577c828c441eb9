"""Migration 0008: a transition's reason written as text (a person's words, or a sentence the
process built) is kept as the message ``verbatim`` and reads the same; a downgrade writes every
reason back as its English sentence, new coded ones included."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from sqlalchemy import create_engine, text

from kp_licensing.store.migrate import alembic_config
from kp_licensing.support.catalogue import render
from schemas.messages import Message

AT = "'2026-11-01 00:00:00'"
COLUMNS = "case_no, seq, at, actor_user_id, actor_username, actor_role, action, to_status"
ROW = "'{case}', {seq}, '2026-11-01 00:00:00', 1, 'officer', 'officer', 'rejected', 'rejected'"


def test_a_reason_written_as_text_reads_the_same_and_goes_back_as_text(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    command.upgrade(alembic_config(url), "0007")
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO operators (id, name, kind, business_registration_no, created_at) "
                f"VALUES (1, 'Op', 'company', 'R-1', {AT})"
            )
        )
        conn.execute(
            text(
                "INSERT INTO licences (case_no, operator_id, status, applicant_name, "
                "business_registration_no, activities, submitted_at, updated_at, seq, state) "
                f"VALUES ('OLA-1', 1, 'rejected', 'Op', 'R-1', '[]', {AT}, {AT}, 2, '{{}}')"
            )
        )
        for case in ("PA-1", "PA-2"):
            conn.execute(
                text(
                    "INSERT INTO permits (case_no, operator_id, kind, status, licence_no, "
                    "expected_date, carats, value_usd, submitted_at, updated_at, seq, state) "
                    f"VALUES ('{case}', 1, 'import', 'rejected', 'OL-1', '2026-11-02', 1, 1, "
                    f"{AT}, {AT}, 2, '{{}}')"
                )
            )
        for table, case in (("licence_events", "OLA-1"), ("permit_events", "PA-1")):
            for seq, reason in ((1, "Incomplete lease, see our letter"), (2, None)):
                conn.execute(
                    text(
                        f"INSERT INTO {table} ({COLUMNS}, reason, details) "
                        f"VALUES ({ROW.format(case=case, seq=seq)}, :reason, '{{}}')"
                    ),
                    {"reason": reason},
                )

    command.upgrade(alembic_config(url), "head")
    with engine.begin() as conn:
        for table in ("licence_events", "permit_events"):
            rows = conn.execute(text(f"SELECT seq, reason FROM {table} ORDER BY seq")).all()
            assert [r.reason for r in rows][1] is None
            said = Message.model_validate_json(rows[0].reason)
            assert (said.code, render(said)) == ("verbatim", "Incomplete lease, see our letter")
        coded = Message(code="reason.not_used_by", params={"valid_until": "2026-12-31"})
        conn.execute(
            text(
                f"INSERT INTO permit_events ({COLUMNS}, reason, details) VALUES "
                f"({ROW.format(case='PA-2', seq=1)}, :reason, '{{}}')"
            ),
            {"reason": coded.model_dump_json()},
        )

    command.downgrade(alembic_config(url), "0007")
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT case_no, reason FROM permit_events ORDER BY id")).all()
    assert [tuple(r) for r in rows] == [
        ("PA-1", "Incomplete lease, see our letter"),
        ("PA-1", None),
        ("PA-2", "not used by 2026-12-31"),
    ]
