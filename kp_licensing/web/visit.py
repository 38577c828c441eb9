"""Who is looking at a page, in which language, and how a page is answered: the portal's one
request context (``Visit``), its sign-in and permission checks, and its form handling with the
CSRF check (``kp_licensing.web.cookies``).

A page is HTML rendered from a template with the visit's context; a refusal the services raise
is shown as a page too (``kp_licensing.api.errors`` hands portal requests to ``error_page``), in
the visitor's language. The checks are the API's: the same permission table
(``api.permissions``) and the same services, which check ownership."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Annotated, Any
from urllib.parse import quote

from anyio import to_thread
from fastapi import Depends, Request
from pydantic import ValidationError
from sqlmodel import Session
from starlette.datastructures import FormData, UploadFile
from starlette.responses import HTMLResponse, RedirectResponse, Response

from kp_licensing.api.deps import ClientAddress, Principal, ServicesDep, SessionDep
from kp_licensing.api.language import LOCALE
from kp_licensing.api.permissions import Action, allowed, refusal
from kp_licensing.api.validation import problems
from kp_licensing.domain.errors import DomainError, Unavailable
from kp_licensing.services import portal, submissions
from kp_licensing.services.temporal import ProcessEngine
from kp_licensing.web import cookies
from kp_licensing.web.forms import Posted
from kp_licensing.web.templating import ENV
from schemas.accounts import UserPublic
from schemas.messages import Message, say

#: What a page may load and where its forms may go: its own stylesheet, script and images.
PAGE_POLICY = (
    "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self' data:; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)


#: What an idempotency key may be (as the API's ``Idempotency-Key`` header).
IDEMPOTENCY_KEY = re.compile(r"[A-Za-z0-9_.:-]{8,64}")


def new_idempotency_key() -> str:
    """A form's key, rendered into it: the same form posted twice is one request."""
    return uuid.uuid4().hex


async def opened_before(visit: Visit, session: Session, typed: dict[str, Any]) -> str | None:
    """The case this form opened when it was posted before (``idempotency_key``), if any."""
    key = typed.get("idempotency_key")
    if not isinstance(key, str) or not IDEMPOTENCY_KEY.fullmatch(key):
        return None
    operator_id = visit.principal.operator_id
    return await to_thread.run_sync(
        lambda: submissions.case_opened_with(session, operator_id=operator_id, key=key)
    )


class SignInRequired(Exception):
    """A page that needs a signed-in visitor was asked for by one who is not (or whose
    session ended): they are sent to sign in, and brought back after."""

    def __init__(self, back_to: str) -> None:
        self.back_to = back_to


class FormRefused(Exception):
    """A form posted without this browser's CSRF token: nothing is read or done."""


def local_path(target: str | None, default: str = "/") -> str:
    """``target`` if it is a path on this site, else ``default`` (no open redirect)."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return default
    return target


@dataclass
class Visit:
    request: Request
    services: ServicesDep
    user: UserPublic | None
    session_token: str | None
    visitor: str
    new_visitor: bool
    address: str

    @property
    def settings(self) -> Any:
        return self.services.settings

    @property
    def locale(self) -> str:
        return LOCALE.get()

    @property
    def csrf(self) -> str:
        return cookies.csrf_token(self.settings, self.session_token or self.visitor)

    @property
    def principal(self) -> Principal:
        assert self.user is not None
        return Principal(user=self.user, role=self.user.role, address=self.address)

    def engine(self, idempotency_key: str | None = None) -> ProcessEngine:
        """The process engine, with the form's idempotency key: a form sent twice (a double
        click, a reload) opens or changes a case once."""
        if self.services.temporal is None:
            raise Unavailable("engine.not_connected")
        if idempotency_key is not None and not IDEMPOTENCY_KEY.fullmatch(idempotency_key):
            idempotency_key = None
        return self.services.engine(idempotency_key)

    def may(self, action: Action) -> bool:
        return self.user is not None and allowed(self.user.role, action)

    def page(self, template: str, *, status: int = 200, **context: Any) -> HTMLResponse:
        html = ENV.get_template(template).render(visit=self, **context)
        response = HTMLResponse(html, status_code=status)
        response.headers["Content-Security-Policy"] = PAGE_POLICY
        self._keep(response)
        return response

    def error_page(self, response: Response) -> Response:
        """An error the API would answer as JSON, as a page saying the same (its ``detail``
        is already in the visitor's language), with the same status and Retry-After."""
        body = json.loads(bytes(response.body))
        page = self.page("error.html", status=response.status_code, detail=body.get("detail", ""))
        if "Retry-After" in response.headers:
            page.headers["Retry-After"] = response.headers["Retry-After"]
        return page

    def redirect(self, to: str) -> RedirectResponse:
        response = RedirectResponse(to, status_code=303)
        self._keep(response)
        return response

    def _keep(self, response: Response) -> None:
        if self.new_visitor and self.user is None:
            cookies.set_cookie(response, self.settings, cookies.VISITOR, self.visitor)

    async def form(self) -> FormData:
        """The posted form, once its CSRF token is checked (refused: ``FormRefused``)."""
        form = await self.request.form()
        presented = form.get(cookies.CSRF_FIELD)
        basis = self.session_token or self.visitor
        if not isinstance(presented, str) or not cookies.csrf_matches(
            self.settings, basis, presented
        ):
            raise FormRefused
        return form


def current_visit(
    request: Request, services: ServicesDep, session: SessionDep, address: ClientAddress
) -> Visit:
    token = request.cookies.get(cookies.SESSION)
    user = portal.viewer(session, token, services.settings) if token else None
    visitor = request.cookies.get(cookies.VISITOR)
    visit = Visit(
        request=request,
        services=services,
        user=user,
        session_token=token if user else None,
        visitor=visitor or cookies.new_visitor(),
        new_visitor=visitor is None,
        address=address,
    )
    if user is not None:
        request.state.principal = visit.principal  # for the audit entry of a refusal
    request.state.error_page = visit.error_page
    request.state.visit = visit
    return visit


VisitDep = Annotated[Visit, Depends(current_visit)]


async def _signed_in(visit: VisitDep) -> Visit:
    if visit.user is None:
        path = visit.request.url.path
        query = visit.request.url.query
        raise SignInRequired(path + (f"?{query}" if query else ""))
    return visit


SignedIn = Annotated[Visit, Depends(_signed_in)]


def may(action: Action) -> Callable[[Visit], Coroutine[None, None, Visit]]:
    """A signed-in visitor whose role the permission table allows ``action``."""

    async def check(visit: SignedIn) -> Visit:
        assert visit.user is not None
        if not allowed(visit.user.role, action):
            raise refusal(visit.user.role, action)
        return visit

    return check


@dataclass
class FormErrors(Exception):
    """What was wrong with a form: a message for the form, and one per field by its name
    (``lines.0.carats``), shown next to the field; the values typed are shown again. Raised
    where a form's own problems (a file refused) stop it before any service is asked."""

    form: list[Message] = field(default_factory=list)
    fields: dict[str, Message] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.form or self.fields)

    def merge(self, other: FormErrors) -> None:
        for name, message in other.fields.items():
            self.fields.setdefault(name, message)
        if other.fields and not self.form:
            self.form.append(say("portal.form_has_errors", count=len(self.fields)))

    @classmethod
    def of(cls, error: ValidationError | DomainError, posted: Posted | None = None) -> FormErrors:
        if isinstance(error, DomainError):
            return cls(form=[error.message, *_listed(error.details)])
        found = cls()
        for model_name, message in problems(error.errors()):
            name = posted.form_name(model_name) if posted else model_name
            if name and name not in found.fields:
                found.fields[name] = message
            elif not name:
                found.form.append(message)
        if found.fields and not found.form:
            found.form.append(say("portal.form_has_errors", count=len(found.fields)))
        return found


def _listed(details: object) -> list[Message]:
    """The messages a refusal lists in its details (the failed checks of an application)."""
    if not isinstance(details, list):
        return []
    return [
        Message.model_validate(item["message"])
        for item in details
        if isinstance(item, dict) and isinstance(item.get("message"), dict)
    ]


def values(form: FormData) -> dict[str, Any]:
    """The text a person typed, to show again (files and the CSRF token left out); a name
    posted more than once (ticked boxes) keeps every value."""
    typed: dict[str, Any] = {}
    for key, value in form.multi_items():
        if not isinstance(value, str) or key == cookies.CSRF_FIELD:
            continue
        if key in typed:
            previous = typed[key]
            typed[key] = [*previous, value] if isinstance(previous, list) else [previous, value]
        else:
            typed[key] = value
    return typed


def files(form: FormData, name: str) -> list[UploadFile]:
    return [f for f in form.getlist(name) if isinstance(f, UploadFile) and f.filename]


def sign_in_page(error: SignInRequired) -> RedirectResponse:
    return RedirectResponse(f"/signin?next={quote(error.back_to, safe='/')}", status_code=303)
