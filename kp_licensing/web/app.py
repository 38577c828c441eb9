"""The portal on the service's application: its pages, its static files, and how a page
answers a visitor who must sign in first or a form without its token."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.staticfiles import StaticFiles
from starlette.responses import Response

from kp_licensing.web.routes import (
    cases,
    downloads,
    notifications,
    officer,
    public,
    registry,
    shipments,
    trader,
    verify,
)
from kp_licensing.web.templating import t
from kp_licensing.web.visit import FormRefused, SignInRequired, sign_in_page

STATIC = Path(__file__).resolve().parent / "static"
#: The static files' prefix: cached by browsers (``api.headers``), unlike pages.
STATIC_PREFIX = "/static/"


def install(app: FastAPI) -> None:
    app.mount(STATIC_PREFIX.rstrip("/"), StaticFiles(directory=STATIC), name="static")
    for module in (
        public,
        verify,
        trader,
        shipments,
        notifications,
        officer,
        registry,
        cases,
        downloads,
    ):
        app.include_router(module.router)

    @app.exception_handler(SignInRequired)
    async def must_sign_in(_: Request, error: SignInRequired) -> Response:
        return sign_in_page(error)

    @app.exception_handler(FormRefused)
    async def form_refused(request: Request, _: FormRefused) -> Response:
        visit = request.state.visit
        return visit.page("error.html", status=403, detail=t("portal.form_expired"))
