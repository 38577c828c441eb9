"""The portal's cookies and its protection against cross-site requests.

* ``kp_session``: the sign-in session's token (``services.portal``). HttpOnly, SameSite=Lax
  (a link from an e-mail opens the portal signed in; a cross-site form post carries no
  session), Secure in production, where the portal is reached over HTTPS only.
* ``kp_visitor``: a random value for a visitor not signed in, so that the sign-in and
  registration forms carry a token bound to this browser too.
* ``kp_lang``: the language the visitor chose (a year).

Every form carries ``csrf_token``, an HMAC of the session's token (or the visitor's value)
under a key derived from the service's secret; a POST whose token does not match is refused
before anything is read or done. A token from another browser, or from before signing in or
out, does not match: signing in changes the basis, so a token planted before it is worthless
(no session fixation either: the session's token is new at every sign-in).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from base64 import urlsafe_b64encode

from starlette.responses import Response

from kp_licensing.api.language import CHOSEN_LANGUAGE
from kp_licensing.support.settings import Settings

SESSION = "kp_session"
VISITOR = "kp_visitor"
LANGUAGE = CHOSEN_LANGUAGE
CSRF_FIELD = "csrf_token"
YEAR = 365 * 24 * 3600


def new_visitor() -> str:
    return secrets.token_urlsafe(24)


def csrf_token(settings: Settings, basis: str) -> str:
    key = hmac.new(settings.jwt_secret.encode(), b"portal-csrf", hashlib.sha256).digest()
    mac = hmac.new(key, basis.encode(), hashlib.sha256).digest()
    return urlsafe_b64encode(mac).decode().rstrip("=")


def csrf_matches(settings: Settings, basis: str, presented: str | None) -> bool:
    return presented is not None and hmac.compare_digest(
        csrf_token(settings, basis).encode(), presented.encode()
    )


def set_cookie(
    response: Response, settings: Settings, name: str, value: str, *, max_age: int | None = None
) -> None:
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path="/",
        httponly=True,
        secure=settings.environment == "production",
        samesite="lax",
    )


def clear_cookie(response: Response, settings: Settings, name: str) -> None:
    response.delete_cookie(
        name,
        path="/",
        httponly=True,
        secure=settings.environment == "production",
        samesite="lax",
    )
