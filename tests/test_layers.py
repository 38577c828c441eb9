"""The layers of ``docs/architecture.md`` (section 1), as a test: a module that imports upward,
or sideways where the architecture says no, fails it, naming the import.

Read from the source (``ast``), so nothing is imported or run. A module's layer comes from its
path; an import is allowed if its layer is in the importer's allowed set."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("schemas", "edi", "workflows", "kp_licensing")

ALLOWED: dict[str, set[str]] = {
    "schemas": {"schemas"},
    "domain": {"schemas", "domain"},
    "support": {"schemas", "domain", "support"},
    "edi": {"schemas", "domain", "support", "edi"},
    "store": {"schemas", "domain", "support", "store"},
    "workflows": {"schemas", "domain", "support", "store", "workflows", "edi"},
    "services": {"schemas", "domain", "support", "store", "workflows", "services", "edi"},
    "edge": {"schemas", "domain", "support", "store", "workflows", "services", "edge", "edi"},
}

#: What an edge may take from the store to wire the parts together: the engine and sessions,
#: the document files' store (built once, handed to the services), the migrations. Anything
#: else it reads goes through a service.
WIRING = {"kp_licensing.store.db", "kp_licensing.store.documents", "kp_licensing.store.migrate"}

#: Workflow definitions: they may import ``workflows.common``, ``workflows.licence_clock`` and
#: activity modules (``*_activities``, what they run), never one another.
WORKFLOW_DEFINITIONS = {
    "workflows.licence",
    "workflows.permit",
    "workflows.holds",
    "workflows.housekeeping",
    "workflows.certificate",
}


def layer(module: str) -> str | None:
    parts = module.split(".")
    if parts[0] not in PACKAGES:
        return None
    if parts[0] != "kp_licensing":
        return parts[0]
    if len(parts) > 1 and parts[1] in ("domain", "store", "services", "support"):
        return parts[1]
    return "edge"  # api, cli, run: they take requests and run the parts


def modules() -> list[tuple[str, Path]]:
    found = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" in path.parts:
                continue  # Alembic's scripts, run by it alone
            name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
            found.append((name.removesuffix(".__init__"), path))
    return found


def imports_of(path: Path) -> list[str]:
    """Every module ``path`` imports, ``from x import y`` counted as ``x.y`` when ``x.y`` is a
    module of ours (so ``from kp_licensing.support import security`` is the support layer)."""
    names = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                full = f"{node.module}.{alias.name}"
                module_file = ROOT / Path(*full.split("."))
                is_module = module_file.with_suffix(".py").exists() or module_file.is_dir()
                names.append(full if is_module else node.module)
    return names


def violations(name: str, path: Path) -> list[str]:
    mine = layer(name)
    assert mine is not None
    found = []
    for target in imports_of(path):
        theirs = layer(target)
        if theirs is None or target == "kp_licensing":
            continue
        if theirs not in ALLOWED[mine]:
            found.append(f"{name} ({mine}) imports {target} ({theirs})")
        elif mine == "edge" and theirs == "store" and target not in WIRING:
            found.append(f"{name} reads the store directly; go through a service")
        elif (
            mine == "workflows"
            and theirs in ("store", "edi")
            and not (name.endswith("_activities") or name == "workflows.worker")
        ):
            found.append(f"{name} is a workflow definition and imports the {theirs} ({target})")
        elif name in WORKFLOW_DEFINITIONS and target in WORKFLOW_DEFINITIONS and target != name:
            found.append(f"{name} imports another workflow definition, {target}")
    return found


@pytest.mark.parametrize(("name", "path"), modules(), ids=[m for m, _ in modules()])
def test_imports_follow_the_layers(name: str, path: Path) -> None:
    assert violations(name, path) == []


def test_the_rules_catch_what_they_are_for(tmp_path: Path) -> None:
    """Each rule refuses an example (so a rule that silently allows everything fails here)."""
    upward = tmp_path / "upward.py"
    upward.write_text("from kp_licensing.services import licences\n")
    assert violations("kp_licensing.store.x", upward)
    sideways = tmp_path / "sideways.py"
    sideways.write_text("from workflows.permit import PermitWorkflow\n")
    assert violations("workflows.licence", sideways)
    store = tmp_path / "store.py"
    store.write_text("from kp_licensing.store import people\n")
    assert violations("workflows.licence", store)
    assert violations("kp_licensing.api.routes.new", store)
    assert not violations("workflows.licence_activities", store)
    schemas_up = tmp_path / "schemas_up.py"
    schemas_up.write_text("from kp_licensing.domain import errors\n")
    assert violations("schemas.x", schemas_up)
