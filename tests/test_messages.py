"""The message catalogue holds the code's every message, and no other.

Read from the source, as ``make messages`` does: Babel's extractor finds the codes (the first
argument of ``say``, ``invalid`` and the domain errors), the syntax tree the params passed with
each. A code said without an English sentence, a sentence whose placeholders are not the params
its callers pass, a code built at run time (Babel cannot see it), a sentence no code says, or a
template out of date each fail here, naming the place."""

from __future__ import annotations

import ast
import re
import string
from collections import defaultdict
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

import kp_licensing.api.app  # noqa: F401  (every module with an error class is imported)
from kp_licensing.domain.errors import DomainError
from kp_licensing.support.catalogue import LOCALE_DIR, negotiate, render, sentences
from schemas.messages import VERBATIM, Message, say

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ("kp_licensing", "workflows", "schemas", "edi")

#: Keywords of a constructor that are not params of its message (structured fields).
NOT_PARAMS = {"details"}
NOT_PARAMS_OF = {"Unavailable": {"retry_after", "case_no"}}


def _error_classes(cls: type[DomainError] = DomainError) -> set[str]:
    found = {cls.__name__}
    for sub in cls.__subclasses__():
        found |= _error_classes(sub)
    return found


#: ``t`` is the portal's: the templates say their codes with it (``kp_licensing.web.templating``).
KEYWORDS = {"say", "invalid", "t"} | _error_classes()
TEMPLATES = ROOT / "kp_licensing" / "web" / "templates"

#: Where a keyword is defined or passes a code it was given on (not a place that says one).
RELAYS = {"schemas/messages.py", "kp_licensing/domain/errors.py"}


def test_the_makefile_extracts_with_every_keyword() -> None:
    line = next(
        line
        for line in (ROOT / "Makefile").read_text().splitlines()
        if line.startswith("MESSAGE_KEYWORDS")
    )
    assert set(line.split(":=")[1].split()) == KEYWORDS


def _babel_codes() -> dict[str, list[str]]:
    """code -> the places it is said, as Babel extracts them."""
    codes: dict[str, list[str]] = defaultdict(list)
    for package in SOURCES:
        for filename, lineno, message, _comments, _context in extract_from_dir(
            ROOT / package,
            method_map=[("**.py", "python")],
            keywords={name: None for name in KEYWORDS},
            comment_tags=(),
        ):
            codes[str(message)].append(f"{package}/{filename}:{lineno}")
    for filename, lineno, message, _comments, _context in extract_from_dir(
        TEMPLATES,
        method_map=[("**.html", "jinja2")],
        keywords={"t": None},
        comment_tags=(),
    ):
        codes[str(message)].append(f"templates/{filename}:{lineno}")
    return codes


CODES = _babel_codes()


def _calls() -> list[tuple[str, ast.Call]]:
    """Every call of a keyword in the sources, with its place."""
    found = []
    for package in SOURCES:
        for path in sorted((ROOT / package).rglob("*.py")):
            relative = str(path.relative_to(ROOT))
            for node in ast.walk(ast.parse(path.read_text())):
                if (
                    isinstance(node, ast.Call)
                    and isinstance(node.func, ast.Name)
                    and node.func.id in KEYWORDS
                ):
                    found.append((f"{relative}:{node.lineno}", node))
    return found


CALLS = _calls()


def _placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_every_code_is_written_literally() -> None:
    """A code built at run time is invisible to Babel and to this test."""
    built = [
        place
        for place, call in CALLS
        if not (call.args and isinstance(call.args[0], ast.Constant))
        and not any(place.startswith(relay) for relay in RELAYS)
    ]
    assert built == []


def test_codes_are_dotted_names() -> None:
    bad = [
        code
        for code in CODES
        if code != VERBATIM and not re.fullmatch(r"[a-z0-9_]+(\.[a-z0-9_]+)+", code)
    ]
    assert bad == [], f"not a code (a sentence left in the code?): {bad}"


def test_every_code_has_an_english_sentence() -> None:
    english = sentences("en")
    missing = {code: places for code, places in CODES.items() if code not in english}
    assert missing == {}


def test_every_english_sentence_is_said_somewhere() -> None:
    unused = set(sentences("en")) - set(CODES)
    assert unused == set(), "remove these from the catalogue, or run make messages"


def test_each_sentence_names_exactly_the_params_its_callers_pass() -> None:
    english = sentences("en")
    wrong = []
    for place, call in CALLS:
        if not (call.args and isinstance(call.args[0], ast.Constant)):
            continue
        if any(k.arg is None for k in call.keywords):
            continue  # **params: checked where they are built
        code = str(call.args[0].value)
        structured = NOT_PARAMS | NOT_PARAMS_OF.get(getattr(call.func, "id", ""), set())
        passed = {str(k.arg) for k in call.keywords} - structured
        named = _placeholders(english.get(code, ""))
        if passed != named:
            wrong.append(f"{place} {code}: passes {sorted(passed)}, says {sorted(named)}")
    assert wrong == []


def test_the_template_is_up_to_date() -> None:
    with (LOCALE_DIR / "messages.pot").open("rb") as f:
        template = {str(m.id) for m in read_po(f) if m.id}
    assert template == set(CODES), "run make messages"


def test_every_catalogue_has_only_known_codes_and_placeholders() -> None:
    english = sentences("en")
    for path in LOCALE_DIR.glob("*/LC_MESSAGES/messages.po"):
        locale = path.parent.parent.name
        for code, sentence in sentences(locale).items():
            assert code in english, f"{locale}: {code} is not an English code"
            assert _placeholders(sentence) == _placeholders(english[code]), (locale, code)


def test_a_message_renders_its_params_into_the_sentence() -> None:
    assert render(say("field.at_least", ge=3)) == "must be at least 3"


def test_a_sentence_stored_before_messages_were_data_is_shown_as_it_was() -> None:
    stored = Message.model_validate("Operating licence L-1 expired on 2026-01-01.")
    assert stored.code == VERBATIM
    assert render(stored) == "Operating licence L-1 expired on 2026-01-01."


def test_an_unknown_code_or_a_missing_param_is_shown_not_raised() -> None:
    assert render(say("no.such_code", a=1)) == "no.such_code a=1"
    assert render(Message(code="field.at_least")) == "must be at least {ge}"


def test_a_language_without_a_catalogue_falls_back_to_english() -> None:
    assert render(say("field.missing"), "fr") == "is required"


@pytest.mark.parametrize("locale", ["pt", "zh"])
def test_every_code_is_said_in_every_language(locale: str) -> None:
    """Portuguese and Chinese are Macao's official languages: no code may lack a sentence in
    either (an English fallback would leave a person with words they may not read)."""
    english, said = sentences("en"), sentences(locale)
    assert sorted(set(english) - set(said)) == [], f"{locale}: codes without a sentence"
    assert all(said[code] != english[code] or not _words(english[code]) for code in english), [
        code for code in english if said[code] == english[code] and _words(english[code])
    ][:10]


def _words(sentence: str) -> bool:
    """Whether a sentence has words to translate (not only placeholders and punctuation)."""
    return bool(re.sub(r"\{[a-z_]+\}|[^A-Za-z]", "", sentence))


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, "en"),
        ("", "en"),
        ("en-GB,en;q=0.9", "en"),
        ("pt-MO, zh;q=0.8", "pt"),
        ("zh-Hant-MO;q=0.5, pt;q=0.4", "zh"),
        ("fr, de;q=0.5", "en"),  # none available: English
        ("*", "en"),
        ("pt;q=0, en", "en"),  # q=0: not wanted
        (";;;,q=,,", "en"),
        ("pt;q=abc, zh", "zh"),  # an unreadable range is ignored, the rest still counts
    ],
)
def test_negotiation_answers_in_a_language_it_has(header: str | None, expected: str) -> None:
    assert negotiate(header, ("en", "pt", "zh")) == expected


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("pt-MO, zh-Hant;q=0.8", "pt"),
        ("zh-Hant-MO, pt;q=0.5", "zh"),
        ("zh-MO", "zh"),
        ("pt-PT", "pt"),
        ("fr-FR", "en"),
    ],
)
def test_the_service_answers_in_its_three_languages(header: str, expected: str) -> None:
    assert negotiate(header) == expected
