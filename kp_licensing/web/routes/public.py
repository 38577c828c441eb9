"""Pages for everyone: the home page, signing in and out, registering an operator, the
language switch."""

from __future__ import annotations

from anyio import to_thread
from fastapi import APIRouter
from pydantic import ValidationError
from starlette.responses import Response

from kp_licensing.domain.errors import DomainError, NotFound, RuleViolation, TooManyRequests
from kp_licensing.services import accounts, portal
from kp_licensing.services.audit import Origin
from kp_licensing.support.catalogue import locales
from kp_licensing.web import cookies
from kp_licensing.web.visit import FormErrors, SignedIn, VisitDep, local_path, values
from schemas.accounts import Registration
from schemas.common import Role

router = APIRouter(include_in_schema=False)

#: Where each role starts: traders on their dashboard, officers and supervisors on the
#: worklist; customs systems and administrators have the API (the portal shows them the
#: verification page).
START = {Role.trader: "/trader", Role.officer: "/officer", Role.supervisor: "/officer"}


def start_of(role: Role) -> str:
    return START.get(role, "/verify")


@router.get("/")
def home(visit: VisitDep) -> Response:
    if visit.user is not None:
        return visit.redirect(start_of(visit.user.role))
    return visit.page("home.html")


@router.get("/signin")
def sign_in_form(visit: VisitDep, next: str | None = None, registered: bool = False) -> Response:
    return visit.page(
        "signin.html", back_to=local_path(next, ""), values={}, errors=None, registered=registered
    )


@router.post("/signin")
async def sign_in(visit: VisitDep) -> Response:
    form = await visit.form()
    typed = values(form)
    username, password = typed.get("username", "")[:64], form.get("password")
    back_to = local_path(typed.get("next"), "")
    try:
        if not username or not isinstance(password, str) or not password:
            raise RuleViolation("portal.sign_in_needs_both")
        token, user = await portal.open_session(
            visit.services.sessions,
            visit.settings,
            username,
            password[:1024],
            address=visit.address,
        )
    except DomainError as error:
        status = error.status_code if error.status_code in (401, 429) else 422
        page = visit.page(
            "signin.html",
            status=status,
            back_to=back_to,
            values={"username": username},
            errors=FormErrors.of(error),
            registered=False,
        )
        if isinstance(error, TooManyRequests):
            page.headers["Retry-After"] = str(error.retry_after)
        return page
    response = visit.redirect(back_to or start_of(user.role))
    cookies.set_cookie(response, visit.settings, cookies.SESSION, token)
    cookies.clear_cookie(response, visit.settings, cookies.VISITOR)
    return response


@router.post("/signout")
async def sign_out(visit: SignedIn) -> Response:
    await visit.form()
    assert visit.session_token is not None
    token, origin = visit.session_token, visit.principal.origin

    def close() -> None:
        with visit.services.sessions() as session:
            portal.close_session(session, token, by=origin)
            session.commit()

    await to_thread.run_sync(close)
    response = visit.redirect("/")
    cookies.clear_cookie(response, visit.settings, cookies.SESSION)
    return response


@router.get("/language/{code}")
def choose_language(code: str, visit: VisitDep, next: str | None = None) -> Response:
    if code not in locales():
        raise NotFound("portal.no_such_language", code=code[:16])
    response = visit.redirect(local_path(next))
    cookies.set_cookie(response, visit.settings, cookies.LANGUAGE, code, max_age=cookies.YEAR)
    return response


@router.get("/register")
def registration_form(visit: VisitDep) -> Response:
    return visit.page("register.html", values={"operator_kind": "company"}, errors=None)


@router.post("/register")
async def register(visit: VisitDep) -> Response:
    form = await visit.form()
    typed = values(form)
    fields = {k: v for k, v in typed.items() if k in Registration.model_fields and v != ""}
    password = form.get("password")
    if isinstance(password, str) and password:
        fields["password"] = password
    by = Origin(actor=None, address=visit.address)
    policy = visit.settings.password_policy()

    def create() -> None:
        body = Registration.model_validate(fields)
        with visit.services.sessions() as session:
            accounts.register(session, body, policy=policy, by=by)

    try:
        await to_thread.run_sync(create)
    except (ValidationError, DomainError) as error:
        typed.pop("password", None)
        return visit.page("register.html", status=422, values=typed, errors=FormErrors.of(error))
    return visit.redirect("/signin?registered=1")
