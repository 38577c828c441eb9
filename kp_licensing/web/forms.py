"""A posted form as the services' input models take it. A form is flat; the models are nested:
a field named ``administrators.0.name`` is the ``name`` of the first administrator, and a name
given more than once (checkboxes) is a list. What a person left empty is left out (an optional
field then takes its default, a required one is reported missing), and so is a row left wholly
empty (a form offers more rows than a person needs). Field errors come back under the same
dotted names (``api.validation.field_name``), so each is shown next to its field."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from starlette.datastructures import FormData

#: Fields of the portal's own, never passed to a service: the CSRF token, the request's
#: idempotency key, and documents uploaded by an earlier try of the same form (``kept.<kind>``).
OWN = frozenset({"csrf_token", "idempotency_key"})
OWN_PREFIXES = ("kept.",)
#: The most rows a form may post for one list (the models cap lists lower still).
MAX_ROWS = 200
#: What separates the items of a list typed as one text (containers, seals, HS codes).
_SEPARATORS = re.compile(r"[\s,;]+")


@dataclass
class Posted:
    """A form's data, and where each list's item was on the form: a row left empty is not
    posted, so the model's ``lines.1`` may be the form's ``lines.2``."""

    data: dict[str, Any]
    rows: dict[str, str] = field(default_factory=dict)

    def split(self, path: str) -> None:
        """The field at ``path`` (``seals``, ``foreign_certificate.hs_codes``), typed as one
        text, as the list of its :func:`words`; a problem with any item is shown on that one
        field. A field not posted stays absent (the model says if it is required)."""
        *parents, name = path.split(".")
        here: Any = self.data
        for part in parents:
            here = here.get(part) if isinstance(here, dict) else None
        if not isinstance(here, dict) or name not in here:
            return
        here[name] = items = words(here[name])
        if isinstance(items, list):
            self.rows.update({f"{path}.{i}": path for i in range(len(items))})

    def form_name(self, model_path: str) -> str:
        """The form's name of a field the model names (``lines.1.carats`` → ``lines.2.carats``)."""
        parts = model_path.split(".")
        for end in range(len(parts), 0, -1):
            prefix = ".".join(parts[:end])
            if prefix in self.rows:
                return ".".join([self.rows[prefix], *parts[end:]])
        return model_path


def nested(form: FormData, *, lists: frozenset[str] = frozenset()) -> Posted:
    """The form's text fields as nested data; ``lists`` names the fields that are lists even
    with one value (a checkbox group with one box ticked)."""
    data: dict[str, Any] = {}
    for key, value in form.multi_items():
        if not isinstance(value, str) or key in OWN or key.startswith(OWN_PREFIXES):
            continue
        value = value.strip()
        if value == "":
            continue
        parts = key.split(".")
        if len(parts) == 1:
            if key in lists:
                data.setdefault(key, []).append(value)
            elif key in data:
                previous = data[key]
                data[key] = [*previous, value] if isinstance(previous, list) else [previous, value]
            else:
                data[key] = value
            continue
        _put(data, parts, value)
    posted = Posted(data={})
    posted.data = _rows_to_lists(data, "", "", posted.rows)
    return posted


def _put(data: dict[str, Any], parts: list[str], value: str) -> None:
    here: dict[str, Any] = data
    for part in parts[:-1]:
        here = here.setdefault(part, {})
        if not isinstance(here, dict):
            return  # a name used both as a value and as a group: the value wins
    here.setdefault(parts[-1], value)


def _rows_to_lists(data: Any, model_path: str, form_path: str, rows: dict[str, str]) -> Any:
    """``{"0": {...}, "2": {...}}`` → ``[{...}, {...}]`` in index order, all the way down,
    noting in ``rows`` where each item was on the form."""
    if not isinstance(data, dict):
        return data

    def join(path: str, key: str) -> str:
        return f"{path}.{key}" if path else key

    if data and all(key.isdigit() and len(key) <= 3 for key in data):
        items = []
        for position, index in enumerate(sorted(data, key=int)[:MAX_ROWS]):
            item_model, item_form = join(model_path, str(position)), join(form_path, index)
            rows[item_model] = item_form
            items.append(_rows_to_lists(data[index], item_model, item_form, rows))
        return items
    return {
        key: _rows_to_lists(value, join(model_path, key), join(form_path, key), rows)
        for key, value in data.items()
    }


def ticked(data: dict[str, Any], group: str, names: Iterable[str]) -> None:
    """A group of yes/no boxes (declarations) as booleans: ticked is true, unticked false (a
    box left unticked is not posted at all). A declaration is made only by ticking it."""
    given = data.get(group)
    given = given if isinstance(given, dict) else {}
    data[group] = {name: given.get(name) == "true" for name in names}


def flat(data: Any, prefix: str = "") -> dict[str, Any]:
    """Nested data (a case's application) as a form's values: the inverse of ``nested``, so a
    renewal's form opens with what was applied for last time."""
    found: dict[str, Any] = {}
    if isinstance(data, dict):
        for key, value in data.items():
            found.update(flat(value, f"{prefix}{key}."))
    elif isinstance(data, list) and all(isinstance(v, str) for v in data):
        found[prefix[:-1]] = list(data)
    elif isinstance(data, list):
        for index, value in enumerate(data):
            found.update(flat(value, f"{prefix}{index}."))
    elif data is not None:
        found[prefix[:-1]] = "true" if data is True else "" if data is False else str(data)
    return found


def words(text: Any) -> Any:
    """A list typed as one text (``S-100, S-101``) as its items: separated by commas,
    semicolons, spaces or new lines. Anything else is left as it is, for the model to judge."""
    if not isinstance(text, str):
        return text
    return [part for part in _SEPARATORS.split(text) if part]
