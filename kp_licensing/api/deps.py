"""Dependencies as ``Annotated`` aliases: the session, the services, and who is asking."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable, Coroutine
from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated

import anyio
from fastapi import Depends, Header, Path, Request, Security
from fastapi.concurrency import run_in_threadpool
from fastapi.security import APIKeyHeader, OAuth2PasswordBearer
from pydantic import AfterValidator
from sqlmodel import Session
from temporalio.client import Client

from edi.pki import load_signer
from edi.signer import Signer
from kp_licensing.api.permissions import Action, allowed, refusal
from kp_licensing.domain import numbering
from kp_licensing.domain.errors import Unavailable
from kp_licensing.services import credentials
from kp_licensing.services.audit import Origin
from kp_licensing.services.temporal import ProcessEngine
from kp_licensing.store.db import SessionFactory
from kp_licensing.store.documents import DocumentStore
from kp_licensing.support.payloads import PayloadCipher
from kp_licensing.support.settings import Settings
from schemas.accounts import UserPublic
from schemas.common import Actor, Role
from schemas.messages import field_error

log = logging.getLogger(__name__)


@dataclass
class Services:
    """What the API needs, built once at start-up (``app.state.services``)."""

    settings: Settings
    sessions: SessionFactory
    documents: DocumentStore
    #: Decrypts workflow payloads for the codec endpoint (shows unencrypted ones as they are).
    decoder: PayloadCipher
    temporal: Client | None = None
    _signer: Signer | None = None

    def signer(self) -> Signer:
        """DSEDT's signer (``KP_SIGNING_KEY``, ``KP_SIGNING_CHAIN``), read once when first
        needed; a key that cannot be read is a 503 (the rest of the service works on)."""
        if self._signer is None:
            key, chain = self.settings.signing_files()
            try:
                self._signer = load_signer(key, chain)
            except (OSError, ValueError) as error:
                log.error("signing key unavailable: %s", error)
                raise Unavailable("signing.unavailable") from None
        return self._signer

    def engine(self, idempotency_key: str | None = None) -> ProcessEngine:
        """The process engine with this service's task queue and wait limit."""
        assert self.temporal is not None
        return ProcessEngine(
            client=self.temporal,
            task_queue=self.settings.task_queue,
            wait=timedelta(seconds=self.settings.workflow_wait_seconds),
            idempotency_key=idempotency_key,
        )


# Thread hops: FastAPI runs each synchronous dependency, a synchronous route and the
# validation of its return value in the thread pool, one hop each, and a read used to make seven.
# What does no I/O is therefore async (services, the permission check); what reads the database
# is synchronous (the caller's account, the route), so a read takes three hops: the principal,
# the route, and closing the session.


async def get_services(request: Request) -> Services:
    return request.app.state.services  # type: ignore[no-any-return]


ServicesDep = Annotated[Services, Depends(get_services)]


async def get_session(services: ServicesDep) -> AsyncIterator[Session]:
    """A session for the request. Opening one does no I/O (it connects on first use), so it
    opens on the event loop; closing it may wait on the database (rollback, return to the
    pool), so that runs in a worker thread, never on the loop, and is shielded from the
    cancellation of a request whose client went away, so the connection always goes back."""
    session = services.sessions()
    try:
        yield session
    finally:
        with anyio.CancelScope(shield=True):
            await run_in_threadpool(session.close)


SessionDep = Annotated[Session, Depends(get_session)]


#: The client's key for a request it may send again (after a timeout, a lost answer): the
#: repeat gets the first request's result instead of acting twice.
IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=8,
        max_length=64,
        pattern=r"^[A-Za-z0-9_.:-]+$",
        description="Any unique string of 8 to 64 letters, digits and _ . : - (a UUID fits); "
        "repeat it to repeat a request safely.",
    ),
]


async def get_temporal(
    services: ServicesDep, idempotency_key: IdempotencyKey = None
) -> ProcessEngine:
    """The process engine for this request, with the request's ``Idempotency-Key`` (every
    route that starts or changes a case takes one)."""
    if services.temporal is None:  # still connecting (Temporal was down when the API started)
        raise Unavailable("engine.not_connected")
    return services.engine(idempotency_key)


TemporalDep = Annotated[ProcessEngine, Depends(get_temporal)]

#: A row id in a path: bounded, so an absurd number is a 422, not a database overflow.
DatabaseId = Annotated[int, Path(ge=1, le=2**31 - 1)]


def _verified_licence_number(number: str) -> str:
    problem = numbering.licence_number_message(number)
    if problem is not None:
        raise field_error(problem)
    return number


#: A licence number in a path: one whose check digits do not verify is a typing mistake, told
#: as such (422), never looked up (a 404 would suggest the licence may not exist yet).
LicenceNumber = Annotated[str, Path(max_length=32), AfterValidator(_verified_licence_number)]

_bearer = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/token", auto_error=False)
_api_key = APIKeyHeader(name="X-API-Key", auto_error=False)


@dataclass(frozen=True)
class Principal:
    """The authenticated caller: the account, the actor recorded in case histories, and
    (with the client's address) the origin recorded in the audit trail."""

    user: UserPublic
    role: Role
    address: str

    @property
    def actor(self) -> Actor:
        return Actor(
            user_id=self.user.id,
            username=self.user.username,
            role=self.role,
            operator_id=self.user.operator_id,
        )

    @property
    def origin(self) -> Origin:
        return Origin(actor=self.actor, address=self.address)

    @property
    def operator_id(self) -> int:
        """The trader's operator (only called where the role is trader)."""
        assert self.user.operator_id is not None
        return self.user.operator_id


async def client_address(request: Request) -> str:
    """The caller's address (a trusted proxy's ``X-Forwarded-For`` already applied by uvicorn,
    ``KP_TRUSTED_PROXIES``); what throttles count guesses by. Asynchronous only so that it runs
    on the event loop, not on a worker thread (it does no I/O)."""
    return request.client.host if request.client else "unknown"


ClientAddress = Annotated[str, Depends(client_address)]


def current_principal(
    request: Request,
    session: SessionDep,
    services: ServicesDep,
    address: ClientAddress,
    token: Annotated[str | None, Security(_bearer)],
    api_key: Annotated[str | None, Security(_api_key)],
) -> Principal:
    user = credentials.authenticate(
        session,
        api_key=api_key,
        token=token,
        jwt_secret=services.settings.jwt_secret,
        address=address,
    )
    principal = Principal(user=user, role=user.role, address=address)
    request.state.principal = principal  # for the audit entry of a refusal (api/errors.py)
    return principal


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


def require(action: Action) -> Callable[[Principal], Coroutine[None, None, Principal]]:
    """A dependency that lets through only the roles the permission table allows."""

    async def check(principal: CurrentPrincipal) -> Principal:
        if not allowed(principal.role, action):
            raise refusal(principal.role, action)
        return principal

    return check


# The caller, checked against the permission table: one alias per action, for signatures.
MayViewCases = Annotated[Principal, Depends(require(Action.view_cases))]
MayApply = Annotated[Principal, Depends(require(Action.apply))]
MayAnswer = Annotated[Principal, Depends(require(Action.answer))]
MayRenew = Annotated[Principal, Depends(require(Action.renew))]
MayWithdraw = Annotated[Principal, Depends(require(Action.withdraw))]
MaySurrender = Annotated[Principal, Depends(require(Action.surrender))]
MayDecide = Annotated[Principal, Depends(require(Action.decide))]
MayChangeStanding = Annotated[Principal, Depends(require(Action.change_standing))]
MayCheckLicence = Annotated[Principal, Depends(require(Action.check_licence))]
MayReadAudit = Annotated[Principal, Depends(require(Action.read_audit))]
MayDecodePayloads = Annotated[Principal, Depends(require(Action.decode_payloads))]
MayUpload = Annotated[Principal, Depends(require(Action.upload))]
MayViewDocuments = Annotated[Principal, Depends(require(Action.view_documents))]
MayNotifications = Annotated[Principal, Depends(require(Action.notifications))]
MayManageColleagues = Annotated[Principal, Depends(require(Action.manage_colleagues))]
MayManageUsers = Annotated[Principal, Depends(require(Action.manage_users))]
MayChangePassword = Annotated[Principal, Depends(require(Action.change_password))]
MayViewRegistry = Annotated[Principal, Depends(require(Action.view_registry))]
MayManageRegistry = Annotated[Principal, Depends(require(Action.manage_registry))]
MayExchangeWithCustoms = Annotated[Principal, Depends(require(Action.exchange_with_customs))]
