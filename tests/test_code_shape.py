"""The shape the code promises the next engineer (issue 9): short functions, pure figure and
logic modules, pages that register nothing when imported, SQL only in the query layer.

These read the source and import modules in a fresh interpreter, so they fail as soon as a
change breaks a layering rule, whatever the tests of behaviour say.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
MAX_FUNCTION_LINES = 60


def _python_files(*folders: str) -> list[Path]:
    return sorted(p for folder in folders for p in (ROOT / folder).rglob("*.py"))


def _modules(package: str) -> list[str]:
    folder = ROOT / package.replace(".", "/")
    return sorted(f"{package}.{p.stem}" for p in folder.glob("*.py") if p.stem != "__init__")


def _imported_by(module: str) -> set[str]:
    """Every module a fresh interpreter holds after importing ``module`` (and what that imported)."""
    code = f"import json, sys; import {module}; print(json.dumps(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    return set(json.loads(out.stdout))


def test_no_function_is_longer_than_sixty_lines():
    long = []
    for path in _python_files("dashboard", "etl"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                lines = node.end_lineno - node.lineno + 1
                if lines > MAX_FUNCTION_LINES:
                    long.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name} ({lines} lines)")
    assert long == []


DASH = {"dash", "dash_bootstrap_components", "dash_ag_grid", "flask"}
DATABASE = {"duckdb", "dashboard.db", "dashboard.queries"}


@pytest.mark.parametrize("module", ["dashboard.figures", *_modules("dashboard.figures")])
def test_figure_modules_import_neither_dash_nor_the_database(module):
    assert _imported_by(module) & (DASH | DATABASE) == set()


@pytest.mark.parametrize("module", _modules("dashboard.logic") + ["dashboard.views", "dashboard.links"])
def test_logic_modules_import_no_dash(module):
    assert _imported_by(module) & DASH == set()


def test_importing_the_pages_registers_nothing():
    code = (
        "import json, dash; from dash import _callback; import dashboard.pages as p; "
        "print(json.dumps([len(dash.page_registry), len(_callback.GLOBAL_CALLBACK_LIST), len(p.PAGES)]))"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    registered, callbacks, pages = json.loads(out.stdout)
    assert (registered, callbacks) == (0, 0)
    assert pages == 12


def test_every_page_has_a_view_of_the_same_name():
    from dashboard import pages, views

    stems = [page.__name__.rsplit(".", 1)[-1] for page in pages.PAGES]
    assert stems == [view.stem for view in views.ALL]
    for page, view in zip(pages.PAGES, views.ALL, strict=True):
        assert page.PAGE.get("path", page.PAGE.get("path_template")) == view.path


def _executes_sql(path: Path) -> list[str]:
    """Calls of ``.execute(`` / ``.sql(`` in a file: where SQL is run."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in {"execute", "sql"}:
            found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    return found


def test_the_dashboard_runs_sql_only_in_its_query_layer():
    outside = [
        hit
        for path in _python_files("dashboard")
        if "queries" not in path.parts and path.name != "db.py"
        for hit in _executes_sql(path)
    ]
    assert outside == []
