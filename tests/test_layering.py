"""Dependencies point downward: the import-linter contracts in pyproject.toml (features never
import the admin or report pages; pure modules import neither Flask nor the database; entry
points above features above the core), and no import of the app hidden in a function."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_import_contracts_are_kept() -> None:
    lint_imports = Path(sys.executable).parent / "lint-imports"
    result = subprocess.run(
        [str(lint_imports), "--no-cache", "--config", "pyproject.toml"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def _imports_the_app(node: ast.AST) -> bool:
    if isinstance(node, ast.ImportFrom):
        module = node.module or ""
        return node.level > 0 or module == "app" or module.startswith("app.")
    if isinstance(node, ast.Import):
        return any(a.name == "app" or a.name.startswith("app.") for a in node.names)
    return False


def _function_level_app_imports(path: Path) -> list[str]:
    functions = [
        node
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
    ]
    return sorted(
        {
            f"{path.relative_to(ROOT)}:{node.lineno}"
            for function in functions
            for node in ast.walk(function)
            if _imports_the_app(node)
        }
    )


def test_no_module_of_the_app_is_imported_inside_a_function() -> None:
    """An import moved into a function hides a cycle instead of removing it."""
    hidden = [
        line
        for path in sorted((ROOT / "app").rglob("*.py"))
        for line in _function_level_app_imports(path)
    ]
    assert hidden == []
