"""Regular expressions in words: "must be 2 letters" rather than "should match '^[A-Z]{2}$'".

A refused value is told what shape it must have; people do not read regular expressions. The
patterns of the schemas are simple sequences of character classes and repeats, which read well as
a sentence. Anything richer (look-arounds, back-references) is refused by ``describe`` with
``ValueError`` and the caller falls back to a plainer message.
"""

from __future__ import annotations

import re
from re import _constants as c  # type: ignore[attr-defined]
from re import _parser  # type: ignore[attr-defined]
from typing import Any

#: (first code point, last code point) -> (singular, plural)
_RANGES: dict[tuple[int, int], tuple[str, str]] = {
    (ord("A"), ord("Z")): ("capital letter", "capital letters"),
    (ord("a"), ord("z")): ("lower-case letter", "lower-case letters"),
    (ord("0"), ord("9")): ("digit", "digits"),
    (0, 31): ("control character", "control characters"),
}
_CATEGORIES: dict[Any, tuple[str, str]] = {
    c.CATEGORY_DIGIT: ("digit", "digits"),
    c.CATEGORY_SPACE: ("space", "spaces"),
    c.CATEGORY_WORD: ("letter, digit or '_'", "letters, digits or '_'"),
}
_SPACE = ord(" ")


def _control(code: int) -> bool:
    return code < 32 or 0x7F <= code <= 0x9F


def _char(code: int) -> str:
    """One character as it can be shown: 'x', or U+2028 for one that cannot."""
    char = chr(code)
    return f"'{char}'" if char.isprintable() else f"U+{code:04X}"


def _or(words: list[str]) -> str:
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} or {words[-1]}"


def _char_class(items: list[tuple[Any, Any]], plural: bool) -> str:
    """A character class: "letters, digits or the characters / . -", or its negation."""
    negate = bool(items) and items[0][0] is c.NEGATE
    items = items[1:] if negate else items
    kinds: list[str] = []
    chars: list[str] = []
    ranges = {value for op, value in items if op is c.RANGE}
    upper, lower = (ord("A"), ord("Z")), (ord("a"), ord("z"))
    if upper in ranges and lower in ranges:
        kinds.append("letters" if plural else "letter")
        ranges -= {upper, lower}
    for op, value in items:
        form = 1 if plural else 0
        if op is c.RANGE and value in ranges:
            known = _RANGES.get(value)
            if known is None and _control(value[0]) and _control(value[1]):
                known = _RANGES[(0, 31)]
            span = f"from {_char(value[0])} to {_char(value[1])}"
            kinds.append(known[form] if known else f"{('character', 'characters')[form]} {span}")
        elif op is c.CATEGORY:
            if value not in _CATEGORIES:
                raise ValueError(f"unsupported category {value}")
            kinds.append(_CATEGORIES[value][form])
        elif op is c.LITERAL and value == _SPACE:
            kinds.append("spaces" if plural else "space")
        elif op is c.LITERAL and _control(value):
            kinds.append(_RANGES[(0, 31)][form])
        elif op is c.LITERAL:
            chars.append(_char(value).strip("'"))
        elif op is not c.RANGE:
            raise ValueError(f"unsupported class item {op}")
    kinds = list(dict.fromkeys(kinds))
    if not plural and kinds:
        kinds[0] = ("an " if kinds[0][0] in "aeiou" else "a ") + kinds[0]
    if len(chars) == 1:
        kinds.append(f"'{chars[0]}'")
    elif chars:
        kinds.append(
            f"{'one of ' if not (plural or kinds) else ''}the characters {' '.join(chars)}"
        )
    described = _or(kinds)
    if negate:
        return f"{'characters' if plural else 'a character'} other than {described}"
    return described


def _repeat(low: int, high: int, unit: list[tuple[Any, Any]]) -> str:
    many = high is c.MAXREPEAT
    if (low, high) == (0, 1):
        return f"optionally {_sequence(unit, plural=False)}"
    if many:
        count = {0: "any number of", 1: "one or more"}.get(low, f"at least {low}")
    elif low == high:
        count = str(low)
    elif low == 0:
        count = f"up to {high}"
    else:
        count = f"{low} to {high}"
    return f"{count} {_sequence(unit, plural=not (low == high == 1))}"


def _sequence(nodes: list[tuple[Any, Any]], plural: bool = False) -> str:
    parts: list[str] = []
    literal = ""
    for op, value in _normal(nodes):
        if op is c.LITERAL:
            literal += chr(value)
            continue
        if literal:
            parts.append(f"'{literal}'")
            literal = ""
        if op is c.AT:
            continue
        if op is c.IN:
            parts.append(_char_class(list(value), plural))
        elif op is c.ANY:
            parts.append("any characters" if plural else "any character")
        elif op in (c.MAX_REPEAT, c.MIN_REPEAT):
            low, high, unit = value
            parts.append(_repeat(low, high, list(unit)))
        elif op is c.SUBPATTERN:
            parts.append(_sequence(list(value[-1]), plural))
        elif op is c.BRANCH:
            parts.append("either " + " or ".join(_sequence(list(b), plural) for b in value[1]))
        else:
            raise ValueError(f"unsupported pattern element {op}")
    if literal:
        parts.append(f"'{literal}'")
    return ", then ".join(parts)


def _normal(nodes: Any) -> list[tuple[Any, Any]]:
    """``[^x]`` parses as NOT_LITERAL and ``[x]`` as LITERAL: both as classes (IN) here."""
    return [
        (c.IN, [(c.NEGATE, None), (c.LITERAL, value)]) if op is c.NOT_LITERAL else (op, value)
        for op, value in nodes
    ]


def _same(node: tuple[Any, Any], other: tuple[Any, Any]) -> bool:
    """Parsed nodes compared by value (the parser's subpatterns are not plain lists)."""
    return repr(node) == repr(other)


def describe(pattern: str) -> str:
    """What a value matching ``pattern`` must be, as a phrase to follow "must ...".

    ``^[A-Za-z]{2}$`` -> "be 2 letters"; ``^[^\\x00-\\x1f]*$`` -> "not contain control
    characters". Raises ValueError for a pattern it cannot put in words."""
    nodes = _normal(_parser.parse(pattern))
    anchored = (
        len(nodes) >= 2
        and nodes[0] == (c.AT, c.AT_BEGINNING)
        and nodes[-1] in ((c.AT, c.AT_END), (c.AT, c.AT_END_STRING))
    )
    inner = nodes[1:-1] if anchored else nodes
    # Spaces tolerated around the value (``^\s*...\s*$``) are not what a person should type.
    padding = (c.MAX_REPEAT, (0, c.MAXREPEAT, [(c.IN, [(c.CATEGORY, c.CATEGORY_SPACE)])]))
    while len(inner) > 1 and _same(inner[0], padding):
        inner = inner[1:]
    while len(inner) > 1 and _same(inner[-1], padding):
        inner = inner[:-1]
    if anchored and len(inner) == 1 and inner[0][0] is c.MAX_REPEAT:
        low, high, unit = inner[0][1]
        unit = _normal(unit)
        negated = len(unit) == 1 and unit[0][0] is c.IN and unit[0][1][0][0] is c.NEGATE
        if negated and high is c.MAXREPEAT and low in (0, 1):
            allowed = list(unit[0][1])[1:]
            refused = _char_class(allowed, plural=True)
            return ("not be empty or " if low else "not ") + f"contain {refused}"
    described = _sequence(inner)
    if not described:
        raise ValueError(f"empty pattern {pattern!r}")
    return f"be {described}" if anchored else f"contain {described}"


def safe_describe(pattern: str) -> str:
    """``describe``, or a plainer phrase for a pattern it cannot put in words."""
    try:
        return describe(pattern)
    except (ValueError, re.error, TypeError, IndexError):
        return "have another format (see the field's description in /docs)"
