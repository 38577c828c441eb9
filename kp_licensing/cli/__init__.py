"""``kp-licensing``: run the parts (``api``, ``worker``), everything (``dev``), migrate, manage
the first accounts, and walk the demo."""

from __future__ import annotations

import asyncio
import contextlib
import getpass
import logging
import sys
from pathlib import Path
from typing import NoReturn

import typer

from kp_licensing.support.private import private_folder
from kp_licensing.support.settings import Settings, get_settings, service_url

app = typer.Typer(
    help="Kimberley Process licensing service for Macao (DSEDT).", no_args_is_help=True
)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
users_app = typer.Typer(help="Accounts.", no_args_is_help=True)
audit_app = typer.Typer(help="The audit trail.", no_args_is_help=True)
pki_app = typer.Typer(help="The development PKI (signing offline).", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(users_app, name="users")
app.add_typer(audit_app, name="audit")
app.add_typer(pki_app, name="pki")


def _logging() -> None:
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )


def _defaults() -> Settings:
    """The settings the help texts quote, so they show the ports this machine would use."""
    return get_settings()


def _fail(command: str, error: RuntimeError) -> NoReturn:
    """One line on standard error, no traceback: what went wrong and what to change."""
    typer.echo(f"kp-licensing {command}: {error}", err=True)
    raise typer.Exit(1)


@app.command(
    help="Run everything on this machine: migrations, the Temporal dev server (gRPC on "
    f"{_defaults().temporal_address}, web UI on port {_defaults().temporal_ui_port}), a worker "
    f"and the API on {_defaults().api_host}:{_defaults().api_port} (KP_TEMPORAL_ADDRESS, "
    "KP_TEMPORAL_UI_PORT, KP_API_HOST, KP_API_PORT). Data persists under the data folder; "
    "Ctrl-C stops it all."
)
def dev() -> None:
    from kp_licensing.run.runner import dev_main

    _logging()
    try:
        asyncio.run(dev_main(get_settings()))
    except RuntimeError as error:
        _fail("dev", error)


@app.command()
def api(
    host: str = typer.Option(None, help=f"Bind address (KP_API_HOST: {_defaults().api_host})."),
    port: int = typer.Option(None, help=f"Port (KP_API_PORT: {_defaults().api_port})."),
) -> None:
    """Run the HTTP API only (production: several replicas behind a load balancer)."""
    from kp_licensing.run.runner import api_main

    _logging()
    settings = get_settings().model_copy(
        update={k: v for k, v in {"api_host": host, "api_port": port}.items() if v is not None}
    )
    try:
        asyncio.run(api_main(settings))
    except RuntimeError as error:
        _fail("api", error)


@app.command()
def worker() -> None:
    """Run a Temporal worker only (production: several replicas)."""
    from kp_licensing.run.runner import worker_main

    _logging()
    asyncio.run(worker_main(get_settings()))


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply every pending migration (safe to run again)."""
    from kp_licensing.store.migrate import upgrade

    settings = get_settings()
    private_folder(settings.data_dir)
    upgrade(settings.resolved_database_url())
    typer.echo("database schema is up to date")


@users_app.command("create-admin")
def create_admin(
    username: str,
    full_name: str = typer.Option("Administrator", help="Name shown in audit trails."),
    password_stdin: bool = typer.Option(
        False, "--password-stdin", help="Read the password from standard input."
    ),
) -> None:
    """Create an administrator account (the first one, or another)."""
    from pydantic import ValidationError

    from kp_licensing.api import validation
    from kp_licensing.domain.errors import DomainError
    from kp_licensing.services import accounts
    from kp_licensing.services.audit import Origin
    from kp_licensing.store.db import make_engine, session_factory
    from kp_licensing.store.migrate import upgrade
    from kp_licensing.support import security
    from kp_licensing.support.catalogue import render
    from schemas.accounts import NewUser
    from schemas.common import Role
    from schemas.messages import Message

    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = getpass.getpass("Password (at least 12 characters, not the user name): ")
        if getpass.getpass("Again: ") != password:
            typer.echo("the passwords differ", err=True)
            raise typer.Exit(2)
    settings = get_settings()
    problems = settings.password_policy().problems(password, username=username)
    if problems:
        said = "; ".join(render(Message.model_validate(p)) for p in problems)
        typer.echo(f"the password is not acceptable: {said}", err=True)
        raise typer.Exit(2)
    try:
        account = NewUser(
            username=username, full_name=full_name, role=Role.admin, password=password
        )
    except ValidationError as error:  # in the API's words (no regular expression)
        for field, message in validation.problems(error.errors()):
            typer.echo(f"{field} {render(message)}", err=True)
        raise typer.Exit(2) from None
    private_folder(settings.data_dir)
    url = settings.resolved_database_url()
    upgrade(url)
    security.configure_from(settings)
    with session_factory(make_engine(url))() as session:
        try:
            user = accounts.create_user(
                session, account, policy=settings.password_policy(), by=Origin.command_line()
            )
        except DomainError as error:
            typer.echo(render(error.message), err=True)
            raise typer.Exit(1) from None
    typer.echo(f"administrator {user.username} created (id {user.id})")


@pki_app.command("init")
def pki_init(
    force: bool = typer.Option(
        False,
        "--force",
        help="Make new keys even if they exist (earlier signatures stop verifying).",
    ),
) -> None:
    """Make the development PKI under the data folder: a CA (pki/ca.pem, the trust store),
    DSEDT's signing key and certificate, customs' (``make run`` does this on first start).
    Production uses its own keys and trust store (KP_SIGNING_KEY, KP_SIGNING_CHAIN,
    KP_TRUST_STORE) and refuses these."""
    from edi.pki import DevelopmentPki

    settings = get_settings()
    if settings.environment == "production":
        typer.echo("kp-licensing pki init: not in production (it makes development keys)", err=True)
        raise typer.Exit(1)
    pki = DevelopmentPki(settings.pki_dir, customs_office=settings.customs_office)
    made = pki.init(force=force)
    typer.echo(f"{'made' if made else 'already there'}: {pki.folder} (trust store {pki.ca})")


@pki_app.command("operator")
def pki_operator(
    registration_no: str = typer.Argument(help="The operator's business registration number."),
    operator: str = typer.Argument(help="The operator's name."),
    person: str = typer.Argument(help="The representative who signs for it."),
) -> None:
    """Issue a development signing key and certificate to an operator's representative (what
    eSignTrust issues in production), under pki/operators/."""
    from edi.pki import DevelopmentPki
    from kp_licensing.domain.registration import canonical_registration_no

    settings = get_settings()
    pki = DevelopmentPki(settings.pki_dir, customs_office=settings.customs_office)
    if settings.environment == "production" or not pki.exists():
        typer.echo(
            "kp-licensing pki operator: needs the development PKI (kp-licensing pki init), "
            "never in production",
            err=True,
        )
        raise typer.Exit(1)
    key, chain = pki.operator(canonical_registration_no(registration_no), operator, person)
    typer.echo(f"key {key}\nchain {chain}")


@audit_app.command("verify")
def audit_verify() -> None:
    """Check that no audit entry was altered, removed or reordered (each is sealed with
    KP_AUDIT_KEY and chained to the one before); exit 1 naming every break found."""
    from kp_licensing.services import audit
    from kp_licensing.store.db import make_engine, session_factory
    from kp_licensing.support import security
    from kp_licensing.support.catalogue import render

    settings = get_settings()
    security.configure_from(settings)
    engine = make_engine(settings.resolved_database_url())
    try:
        with session_factory(engine)() as session:
            result = audit.verify(session)
    finally:
        engine.dispose()
    for problem in result.problems:
        typer.echo(render(problem), err=True)
    if result.problems:
        typer.echo(f"audit trail NOT intact: {len(result.problems)} problem(s)", err=True)
        raise typer.Exit(1)
    typer.echo(f"audit trail intact: {result.entries} entries, last seal {result.head}")


@app.command("sign-application")
def sign_application(
    application: Path = typer.Argument(
        help="The application as JSON, as POST /api/v1/permits takes it."
    ),
    registration_no: str = typer.Option(
        ..., help="The operator's business registration number (the applicant)."
    ),
    key: Path = typer.Option(..., help="The representative's signing key (PEM)."),
    chain: Path = typer.Option(..., help="Its certificate chain (PEM, its own first)."),
    out: Path = typer.Option(..., help="Where to write the signed application (XML)."),
) -> None:
    """Sign a shipment application as the operator's representative (what a trader's own
    signing tool does with an eSignTrust key): the XML to send to POST /api/v1/permits/signed.
    Development keys: ``kp-licensing pki operator``."""
    import json

    from pydantic import ValidationError

    from edi.pki import load_signer
    from edi.shipment_application import sign_application as sign
    from schemas.permit import PermitApplicationBody

    try:
        body = PermitApplicationBody.model_validate(json.loads(application.read_text()))
        signer = load_signer(key, chain)
        signed = sign(body, registration_no, signer)
    except (OSError, ValueError, ValidationError) as error:
        _fail("sign-application", RuntimeError(str(error).splitlines()[0]))
    out.write_bytes(signed.data)
    typer.echo(f"signed: {out} (sha256 {signed.sha256})")


@app.command("customs-sim")
def customs_sim(
    api_key: str = typer.Option(
        ...,
        envvar="KP_CUSTOMS_API_KEY",
        help="The API key of a customs account of the service (an administrator makes one: "
        "POST /api/v1/users/{id}/api-keys).",
    ),
    api_url: str = typer.Option(
        None, help=f"The running service (default: {service_url(_defaults())})."
    ),
    answer: str = typer.Option(
        "release", help="What customs says after accepting: release, reject or discrepancy."
    ),
    response_format: str = typer.Option(
        "xml", "--format", help="Responses as signed XML (xml) or as EDIFACT CUSRES (edifact)."
    ),
    every: float = typer.Option(2.0, min=0.1, help="Seconds between turns."),
    once: bool = typer.Option(False, "--once", help="One turn, then stop."),
    save: Path = typer.Option(
        None, help="Keep every declaration taken and response sent in this folder."
    ),
    key: Path = typer.Option(
        None, help="Customs' signing key (PEM; default: the development PKI's)."
    ),
    chain: Path = typer.Option(None, help="Its certificate chain (PEM, its own first)."),
) -> None:
    """Play a customs system against a running service: pull each declaration, verify its
    signature, acknowledge it and answer with signed responses (see ``docs/customs.md``)."""
    import httpx

    from edi.pki import CUSTOMS, DevelopmentPki, load_signer
    from kp_licensing.cli.customs_sim import CustomsSimulator

    settings = get_settings()
    if answer not in ("release", "reject", "discrepancy") or response_format not in (
        "xml",
        "edifact",
    ):
        _fail(
            "customs-sim",
            RuntimeError("--answer is release, reject or discrepancy; --format is xml or edifact"),
        )
    pki = DevelopmentPki(settings.pki_dir, customs_office=settings.customs_office)
    try:
        signer = load_signer(key or pki.key(CUSTOMS), chain or pki.chain(CUSTOMS))
    except (OSError, ValueError) as error:
        _fail("customs-sim", RuntimeError(f"customs' signing key cannot be read: {error}"))
    base = (api_url or service_url(settings)) + "/api/v1"
    simulator = CustomsSimulator(
        http=httpx.Client(base_url=base, headers={"X-API-Key": api_key}, timeout=60),
        signer=signer,
        trust_store=settings.trust_store_file(),
        office=settings.customs_office,
        answer=answer,  # type: ignore[arg-type]
        form=response_format,  # type: ignore[arg-type]
        save=save,
    )
    typer.echo(f"customs simulator on {base}, answering {answer} in {response_format}")
    with contextlib.suppress(KeyboardInterrupt):
        simulator.run(every=every, turns=1 if once else None, tell=typer.echo)


@app.command()
def demo(
    api_url: str = typer.Option(
        None,
        help="The running service (default: KP_API_HOST and KP_API_PORT, "
        f"{service_url(_defaults())}).",
    ),
    admin: str = typer.Option(
        None,
        help="An administrator of that service: the demo then creates its officer and "
        "supervisor through the API (asks for the password) instead of writing them into the "
        "service's database, which it must otherwise find (KP_DATA_DIR, KP_DATABASE_URL).",
    ),
    admin_password_stdin: bool = typer.Option(
        False, "--admin-password-stdin", help="Read the administrator's password from stdin."
    ),
) -> None:
    """Walk the operating-licence process against a running service (``make run``): apply,
    request information, answer, approve, suspend, reinstate; print each step."""
    from kp_licensing.cli.demo import run_demo

    settings = get_settings()
    credentials = None
    if admin is not None:
        password = (
            sys.stdin.readline().rstrip("\n")
            if admin_password_stdin
            else getpass.getpass(f"Password of {admin}: ")
        )
        credentials = (admin, password)
    try:
        run_demo(settings, api_url or service_url(settings), echo=typer.echo, admin=credentials)
    except Exception as error:
        typer.echo(f"demo stopped: {error}", err=True)
        raise typer.Exit(1) from None
