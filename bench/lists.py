"""Case lists at 1,000 and 1,000,000 cases on PostgreSQL: first page, and a page deep in the list.

    .venv/bin/python -m bench.lists [--database-url URL] [--sizes 1000,1000000] [--runs 21]

For each size, the database's ``public`` schema is dropped, migrated from empty with the
project's migrations (so the indexes measured are the migrations' own) and filled directly in
SQL (``INSERT ... SELECT generate_series``): operators, and licence cases with realistic
statuses, operators and submission times over ten years, each with a valid ``state`` JSON (a
``LicenceState`` dump). Then it times ``kp_licensing.store.licences.search`` - what
``GET /api/v1/licences`` runs - in this process, median of N runs, for:

* an officer's worklist (``status=under_review``), open applications (``under_review`` or
  ``info_requested``) and the whole register (no filter): the first page, the page half way
  down the list by cursor, and the same page by offset;
* a trader's first page (its operator's cases);
* ``total``, the count the API adds unless ``include_total=false``.

The database named by ``--database-url`` is wiped: give it one of its own. It prints figures and
asserts nothing about them. See ``bench/README.md``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, event, text

from bench.report import load_average
from kp_licensing.store import licences
from kp_licensing.store.db import make_engine, session_factory
from kp_licensing.store.migrate import upgrade
from kp_licensing.store.paging import Page, Position
from kp_licensing.support.settings import Settings
from schemas.licence import LicenceApplication, LicenceState, LicenceStatus

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/bench_lists"
PAGE = 50

#: Statuses of a register ten years old, by upper bound of a uniform draw in [0, 1).
STATUSES = [
    (0.04, "under_review"),
    (0.05, "info_requested"),
    (0.35, "active"),
    (0.37, "suspended"),
    (0.47, "rejected"),
    (0.52, "lapsed"),
    (0.57, "withdrawn"),
    (0.85, "expired"),
    (0.90, "cancelled"),
    (1.00, "surrendered"),
]


def sample_state(case_no: str, operator_id: int, at: datetime) -> LicenceState:
    """A valid case under review, as a trader's application starts it (no documents)."""
    application = LicenceApplication.model_validate(
        {
            "applicant_kind": "company",
            "name": "Bench Diamonds Limitada",
            "business_registration_no": "BR-BENCH",
            "taxpayer_no": "T1234567",
            "establishment_address": "Avenida da Praia Grande 409, 12/F, Macao",
            "administrators": [{"name": "Chan Tai Man", "id_document_number": "1234567(8)"}],
            "activities": ["import", "export"],
            "declarations": {
                "start_of_activity_declared": True,
                "not_bankrupt": True,
                "no_tax_debt": True,
                "fit_and_proper": True,
            },
        }
    )
    return LicenceState(
        case_no=case_no,
        operator_id=operator_id,
        status=LicenceStatus.under_review,
        application=application,
        documents=[],
        submitted_at=at,
        policy=Settings().licence_policy(),
    )


def state_template() -> str:
    """A valid case's JSON with placeholders the SQL fills in per row."""
    state = sample_state("__CASE__", 0, datetime(2026, 1, 1, tzinfo=UTC))
    data = state.model_dump(mode="json")
    data.update(operator_id="__OPERATOR__", status="__STATUS__", submitted_at="__AT__")
    return json.dumps(data)


def fill(engine: Engine, cases: int) -> None:
    """Empty schema, migrations, then ``cases`` licence cases of ``cases // 20`` operators."""
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    upgrade(engine.url.render_as_string(hide_password=False))
    operators = max(10, cases // 20)
    status = " ".join(f"WHEN r < {bound} THEN '{name}'" for bound, name in STATUSES)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO operators (name, kind, business_registration_no, created_at) "
                "SELECT 'Bench Operator ' || g, 'company', 'BR-BENCH-' || g, now() "
                "FROM generate_series(1, :n) g"
            ),
            {"n": operators},
        )
        first = conn.execute(text("SELECT min(id) FROM operators")).scalar_one()
        conn.execute(
            text(
                f"""
                INSERT INTO licences (case_no, operator_id, status, licence_no, applicant_name,
                    business_registration_no, activities, issued_on, expires_on, submitted_at,
                    updated_at, seq, state)
                SELECT case_no, operator_id, status,
                    CASE WHEN status IN ('active', 'suspended', 'expired', 'cancelled',
                        'surrendered') THEN 'OL-B-' || g END,
                    'Bench Operator ' || o, 'BR-BENCH-' || o, '["import", "export"]',
                    at::date + 30, at::date + 30 + 1095, at, at + interval '1 day', 3,
                    replace(replace(replace(replace(CAST(:template AS text),
                        '"__OPERATOR__"', operator_id::text), '__CASE__', case_no),
                        '__STATUS__', status),
                        '__AT__', to_char(at AT TIME ZONE 'UTC',
                            'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'))::json
                FROM (
                    SELECT g, o, :first + o - 1 AS operator_id,
                        'OLA-' || lpad(g::text, 8, '0') AS case_no,
                        CASE {status} END AS status,
                        timestamptz '2016-01-01 00:00+00' + d * interval '3652 days' AS at
                    FROM (
                        SELECT g, 1 + (g % :operators) AS o, random() AS r, random() AS d
                        FROM generate_series(1, :cases) g
                    ) drawn
                ) cases
                """
            ),
            {
                "template": state_template(),
                "first": first,
                "operators": operators,
                "cases": cases,
            },
        )
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE"))


def median_ms(runs: int, call: Callable[[], object]) -> float:
    """Median wall time of ``call`` over ``runs`` runs, after one unmeasured (warm) run."""
    call()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


class Statements:
    """The statements on ``licences`` that a call sends, and PostgreSQL's own execution time
    of them (EXPLAIN ANALYZE): the part of a list's time that depends on the table's size, free
    of this process's and the machine's overheads."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.seen: list[tuple[str, Any]] = []
        event.listen(engine, "before_cursor_execute", self._record)

    def _record(self, _c: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if "FROM licences" in statement and not statement.startswith("EXPLAIN"):
            self.seen.append((statement, parameters))

    def execution_ms(self, call: Callable[[], object], runs: int = 5) -> float:
        """Median over ``runs`` of the summed execution time of ``call``'s statements."""
        self.seen.clear()
        call()
        statements = list(self.seen)
        totals = []
        with self.engine.connect() as conn:
            for _ in range(runs):
                total = 0.0
                for statement, parameters in statements:
                    plan = conn.exec_driver_sql(
                        f"EXPLAIN (ANALYZE, FORMAT JSON) {statement}", parameters
                    ).scalar_one()
                    total += float(plan[0]["Execution Time"])
                totals.append(total)
        return statistics.median(totals)


@dataclass(frozen=True)
class Figure:
    what: str
    wall_ms: float  # store.licences.search in this process: SQL, driver, SQLAlchemy, rows
    db_ms: float  # PostgreSQL's execution time of the same statements
    rows: int


def measure(engine: Engine, cases: int, runs: int) -> tuple[list[Figure], int, int]:
    """The figures of each list request, and how many cases the two filtered lists hold."""
    sessions = session_factory(engine)
    statements = Statements(engine)
    open_statuses = ["under_review", "info_requested"]
    with engine.connect() as conn:
        worklist, open_cases = (
            conn.execute(
                text("SELECT count(*) FROM licences WHERE status = ANY(:statuses)"),
                {"statuses": statuses},
            ).scalar_one()
            for statuses in (["under_review"], open_statuses)
        )
        operator = conn.execute(text("SELECT min(id) FROM operators")).scalar_one()

    def middle(statuses: list[str] | None, count: int) -> Position:
        where = "WHERE status = ANY(:statuses)" if statuses else ""
        with engine.connect() as conn:
            at, case_no = conn.execute(
                text(
                    f"SELECT submitted_at, case_no FROM licences {where} "
                    "ORDER BY submitted_at DESC, case_no DESC OFFSET :depth LIMIT 1"
                ),
                {"statuses": statuses, "depth": count // 2 - 1},
            ).one()
        return Position(at, case_no)

    def run(**kwargs: object) -> Callable[[], Page]:
        def call() -> Page:
            with sessions() as session:
                return licences.search(session, limit=PAGE, **kwargs)  # type: ignore[arg-type]

        return call

    figures = []
    for label, status, count in (
        ("worklist", ["under_review"], worklist),
        ("two statuses", open_statuses, open_cases),
        ("all cases", None, cases),
    ):
        position = middle(status, count)
        plans: list[tuple[str, Callable[[], Page]]] = [
            ("first page", run(status=status, count=False)),
            ("half way, by cursor", run(status=status, after=position, count=False)),
            ("half way, by offset", run(status=status, offset=count // 2, count=False)),
            ("first page + total", run(status=status, count=True)),
        ]
        for what, call in plans:
            rows = len(call().rows)
            wall = median_ms(runs, call)
            figures.append(Figure(f"{label}: {what}", wall, statements.execution_ms(call), rows))
    trader = run(operator_id=operator, count=False)
    figures.append(
        Figure(
            "trader's first page",
            median_ms(runs, trader),
            statements.execution_ms(trader),
            len(trader().rows),
        )
    )
    return figures, worklist, open_cases


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--sizes", default="1000,1000000")
    parser.add_argument("--runs", type=int, default=21)
    args = parser.parse_args()
    if not args.database_url.startswith("postgresql"):
        parser.error("the list benchmark runs on PostgreSQL (it fills the database in SQL)")
    engine = make_engine(args.database_url)
    with engine.connect() as conn:
        version = conn.execute(text("SHOW server_version")).scalar_one()
    print(f"PostgreSQL {version}; median of {args.runs} runs; page of {PAGE}")
    by_size: dict[int, list[Figure]] = {}
    for cases in [int(size) for size in args.sizes.split(",")]:
        started = time.perf_counter()
        fill(engine, cases)
        print(
            f"\n{cases:,} licence cases generated in {time.perf_counter() - started:.1f} s "
            f"(load average {load_average()})"
        )
        figures, worklist, open_cases = measure(engine, cases, args.runs)
        print(
            f"  worklist: status=under_review, {worklist:,} cases; two statuses: under_review "
            f"or info_requested, {open_cases:,} cases; 'half way' is half of each list"
        )
        print(f"  {'':<36} {'wall ms':>9} {'PG exec ms':>11}  rows")
        for figure in figures:
            print(
                f"  {figure.what:<36} {figure.wall_ms:9.2f} {figure.db_ms:11.3f}  {figure.rows:>4}"
            )
        print(f"  load average after: {load_average()}")
        by_size[cases] = figures
    if len(by_size) > 1:
        small, large = min(by_size), max(by_size)
        print(f"\n{large:,} cases / {small:,} cases (wall, PG execution):")
        for a, b in zip(by_size[small], by_size[large], strict=True):
            print(f"  {a.what:<36} {b.wall_ms / a.wall_ms:7.1f}x {b.db_ms / a.db_ms:9.1f}x")
    engine.dispose()


if __name__ == "__main__":
    main()
