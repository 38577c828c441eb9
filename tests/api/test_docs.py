"""/docs and /redoc work with no network: every script, style and icon they load is served by
the service itself, from the ``fastapi-offline`` package."""

from __future__ import annotations

import re

import pytest

from tests.api.client import web

#: src=, href= and spec-url= of the page, and the url: Swagger UI loads the document from.
REFERENCES = re.compile(r"""(?:src|href|spec-url)\s*=\s*["']([^"']+)["']|url:\s*'([^']+)'""")
KINDS = {".js": "javascript", ".css": "text/css", ".png": "image/png", ".json": "json"}


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_the_documentation_loads_only_from_the_service(service: str, page: str) -> None:
    response = web.get(service + page)
    assert response.status_code == 200, response.text
    html = response.text
    assert not re.search(r"https?://", html), f"{page} reaches outside the service: {html}"
    references = [a or b for a, b in REFERENCES.findall(html)]
    assert any(r.endswith(".js") for r in references), references
    for reference in references:
        assert reference.startswith("/"), f"{page} loads {reference!r} from elsewhere"
        asset = web.get(service + reference)
        assert asset.status_code == 200, f"{reference}: {asset.status_code}"
        kind = next(k for suffix, k in KINDS.items() if reference.endswith(suffix))
        assert kind in asset.headers["content-type"], (reference, asset.headers["content-type"])
        assert len(asset.content) > 1000, f"{reference} is nearly empty"


def test_the_swagger_login_redirect_is_served(service: str) -> None:
    response = web.get(service + "/docs/oauth2-redirect")
    assert response.status_code == 200 and "oauth2" in response.text.lower()
    assert not re.search(r"https?://", response.text)


def test_a_missing_asset_is_a_404_in_the_error_shape(service: str) -> None:
    response = web.get(service + "/docs-assets/no-such-file.js")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
