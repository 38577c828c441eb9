"""The portal's templates (Jinja2) and what they may call: ``t`` says a catalogue code in the
visitor's language (the same catalogue as the API's messages, so a code has one sentence
everywhere), ``said`` says a message the services returned, and the filters show dates in
Macao time, money with its currency and carats with two decimals, as the language writes
them (Babel's locale data)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from babel.dates import format_date, format_datetime
from babel.numbers import format_currency, format_decimal
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from kp_licensing.api.language import LOCALE
from kp_licensing.domain.clock import MACAO
from kp_licensing.support.catalogue import locales, render
from kp_licensing.web.labels import label
from schemas.messages import Message

TEMPLATES = Path(__file__).resolve().parent / "templates"

#: Each language by its own name, as the switch on every page shows it.
LANGUAGE_NAMES = {"zh": "繁體中文", "pt": "Português", "en": "English"}
#: Babel's locale for each catalogue (Chinese as Macao writes it: Traditional characters).
BABEL_LOCALES = {"en": "en_GB", "pt": "pt_PT", "zh": "zh_Hant_MO"}


def _babel() -> str:
    return BABEL_LOCALES.get(LOCALE.get(), "en_GB")


def t(code: str, /, **params: object) -> str:
    """The sentence of ``code`` in the visitor's language (``params`` said as messages say
    them). Babel extracts the codes from the templates with this keyword (``make messages``)."""
    return said(Message(code=code, params={k: _param(v) for k, v in params.items()}))


def _param(value: object) -> str:
    if isinstance(value, datetime):
        return moment(value)
    if isinstance(value, date):
        return day(value)
    return str(value)


def said(message: Message | None) -> str:
    return "" if message is None else render(message, LOCALE.get())


def day(value: date | datetime | None) -> str:
    """A date as the language writes it; an instant's date in Macao."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.astimezone(MACAO).date()
    return format_date(value, format="medium", locale=_babel())


def moment(value: datetime | None) -> str:
    """An instant in Macao time, to the minute."""
    if value is None:
        return ""
    return format_datetime(value, format="medium", tzinfo=MACAO, locale=_babel())


def money(amount: Decimal | float | int | None, currency: str = "MOP") -> str:
    """An amount with its currency (MOP, USD)."""
    if amount is None:
        return ""
    return format_currency(amount, currency, locale=_babel())


def carats(value: Decimal | float | int | None) -> str:
    """Carats, always with two decimals."""
    if value is None:
        return ""
    return format_decimal(value, format="#,##0.00", locale=_babel())


def checked(values: Mapping[str, Any], name: str, value: str) -> bool:
    """Whether a box (``name`` = ``value``) was ticked in what was typed."""
    given = values.get(name)
    return value == given or (isinstance(given, list) and value in given)


def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals.update(
        t=t,
        said=said,
        checked=checked,
        label=label,
        languages=LANGUAGE_NAMES,
        locales=locales,
    )
    env.filters.update(day=day, moment=moment, money=money, carats=carats)
    return env


ENV = environment()
