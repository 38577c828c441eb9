"""A browser without a screen for the portal's tests: it keeps cookies, reads the CSRF token
and the hidden fields of the form it is about to post, and follows no redirect unless asked."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any

import httpx

from tests.api.client import http

PASSWORD = "correct horse battery staple"


class _Forms(HTMLParser):
    """The hidden inputs of each form on a page, by the form's action."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: dict[str, dict[str, str]] = {}
        self._action: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        named = dict(attrs)
        if tag == "form":
            self._action = named.get("action") or ""
            self.forms.setdefault(self._action, {})
        elif tag == "input" and self._action is not None and named.get("type") == "hidden":
            self.forms[self._action][named.get("name") or ""] = named.get("value") or ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._action = None


def hidden_fields(page: str, action: str) -> dict[str, str]:
    parser = _Forms()
    parser.feed(page)
    assert action in parser.forms, f"no form posting to {action}: {sorted(parser.forms)}"
    return parser.forms[action]


def text_of(page: str) -> str:
    """The page's words, tags and extra spaces gone (to look for a sentence in it)."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))


@dataclass
class Browser:
    client: httpx.Client

    @classmethod
    def open(cls, base: str, language: str | None = None) -> Browser:
        headers = {"Accept": "text/html"}
        if language:
            headers["Accept-Language"] = language
        return cls(http(base, headers=headers))

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.client.get(path, **kwargs)

    def page(self, path: str) -> str:
        response = self.get(path)
        assert response.status_code == 200, f"{path}: {response.status_code} {response.text[:500]}"
        return response.text

    def submit(
        self, page_path: str, action: str, data: dict[str, Any], **kwargs: Any
    ) -> httpx.Response:
        """Open ``page_path`` and post its form to ``action`` with ``data`` beside its
        hidden fields (the CSRF token among them), as a person would."""
        fields = hidden_fields(self.page(page_path), action)
        return self.client.post(action, data={**fields, **data}, **kwargs)

    def post(self, action: str, data: dict[str, Any], **kwargs: Any) -> httpx.Response:
        """Post to ``action`` with this browser's CSRF token (taken from the sign-out form of
        its start page), as a forged or hand-made form would: no page offers this form."""
        start = self.client.get("/", follow_redirects=True).text
        token = hidden_fields(start, "/signout")["csrf_token"]
        return self.client.post(action, data={"csrf_token": token, **data}, **kwargs)

    def sign_in(self, username: str, password: str = PASSWORD) -> httpx.Response:
        response = self.submit("/signin", "/signin", {"username": username, "password": password})
        assert response.status_code == 303, response.text[:2000]
        return response

    def register(self) -> dict[str, str]:
        """Register a new operator through the form, then sign in as its trader."""
        tag = uuid.uuid4().hex[:8]
        data = {
            "operator_name": f"Jade {tag} Limitada",
            "operator_kind": "company",
            "business_registration_no": f"BR{tag.upper()}",
            "full_name": "Wong Siu Ming",
            "email": f"web-{tag}@jade.example.mo",
            "username": f"web-{tag}",
            "password": PASSWORD,
        }
        response = self.submit("/register", "/register", data)
        assert response.status_code == 303, text_of(response.text)[:2000]
        self.sign_in(data["username"])
        return data
