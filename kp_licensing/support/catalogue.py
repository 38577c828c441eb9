"""The message catalogue: the one place where a :class:`~schemas.messages.Message` becomes a
sentence, in a language.

The sentences are gettext catalogues managed with Babel (``kp_licensing/locale``): the template
``messages.pot`` is extracted from the code (``make messages``), and each language has its
``<locale>/LC_MESSAGES/messages.po``. A message's code is the entry's ``msgid``; its ``msgstr``
is the sentence, with ``{name}`` for each param. English is complete (a test holds it so);
another language may lag, and a sentence it lacks is said in English.

The ``.po`` files are read as they are (Babel's reader), so nothing is compiled at build or run
time.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import cache
from pathlib import Path

from babel.core import negotiate_locale
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

from schemas.messages import Message

LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"
DOMAIN = "messages"
#: The language every code has a sentence in, said when nothing else is asked for or known.
DEFAULT_LOCALE = "en"


def catalogue_path(locale: str) -> Path:
    return LOCALE_DIR / locale / "LC_MESSAGES" / f"{DOMAIN}.po"


@cache
def locales() -> tuple[str, ...]:
    """The languages the service can answer in: those with a catalogue, English first."""
    found = sorted(p.parent.parent.name for p in LOCALE_DIR.glob(f"*/LC_MESSAGES/{DOMAIN}.po"))
    return (DEFAULT_LOCALE, *(name for name in found if name != DEFAULT_LOCALE))


@cache
def catalogue(locale: str) -> Catalog:
    with catalogue_path(locale).open("rb") as f:
        return read_po(f, locale=locale, domain=DOMAIN)


@cache
def sentences(locale: str) -> Mapping[str, str]:
    """``code -> sentence`` for ``locale`` (entries without a translation left out)."""
    return {
        str(m.id): str(m.string)
        for m in catalogue(locale)
        if m.id and isinstance(m.string, str) and m.string and not m.fuzzy
    }


class _Params(dict[str, str]):
    """A sentence's params (and ``parts``, the messages it lists, said in turn); a placeholder
    the message lacks stays visible, never a crash."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def render(message: Message, locale: str = DEFAULT_LOCALE) -> str:
    """The sentence for ``message`` in ``locale``, else in English; a code no catalogue knows is
    shown as the code and its params (a person can still report it)."""
    template = sentences(locale).get(message.code) if locale in locales() else None
    if template is None:
        template = sentences(DEFAULT_LOCALE).get(message.code)
    if template is None:
        return str(message)
    parts = "; ".join(render(part, locale) for part in message.parts)
    return template.format_map(_Params(message.params, parts=parts))


_LANGUAGE_RANGE = re.compile(
    r"\s*([A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})*|\*)\s*(?:;\s*q=([0-9.]+))?\s*"
)


def _preferences(accept_language: str) -> list[str]:
    """The language ranges of an ``Accept-Language`` header, most wanted first (q=0 dropped,
    anything unreadable ignored)."""
    ranked: list[tuple[float, int, str]] = []
    for index, part in enumerate(accept_language.split(",")[:20]):
        match = _LANGUAGE_RANGE.fullmatch(part)
        if match is None:
            continue
        try:
            quality = float(match.group(2)) if match.group(2) else 1.0
        except ValueError:
            continue
        if quality > 0:
            ranked.append((-quality, index, match.group(1)))
    return [name for _, _, name in sorted(ranked)]


def negotiate(accept_language: str | None, available: tuple[str, ...] | None = None) -> str:
    """The language to answer in, among ``available`` (those with a catalogue), for a request's
    ``Accept-Language``; English when none of them is asked for."""
    if not accept_language:
        return DEFAULT_LOCALE
    preferred = [p.replace("-", "_") for p in _preferences(accept_language) if p != "*"]
    chosen = negotiate_locale(preferred, list(available or locales()), sep="_")
    return chosen or DEFAULT_LOCALE
