"""Dependencies point inward: resolvers -> app -> domain; domain imports only itself and the stdlib."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def top_level(module: str) -> str:
    return module.split(".", maxsplit=1)[0]


def test_domain_imports_only_the_standard_library_and_itself() -> None:
    for path in (ROOT / "domain").rglob("*.py"):
        for module in imported_modules(path):
            root = top_level(module)
            assert root == "domain" or root in sys.stdlib_module_names or root == "__future__", (
                f"{path.relative_to(ROOT)} imports {module}"
            )


def test_app_never_imports_resolvers_only_the_composition_root_does() -> None:
    for path in (ROOT / "app").rglob("*.py"):
        assert not any(top_level(m) in ("resolvers", "oms") for m in imported_modules(path)), path.relative_to(ROOT)


def test_resolvers_never_touch_sql_directly() -> None:
    for path in (ROOT / "resolvers").rglob("*.py"):
        for module in imported_modules(path):
            assert top_level(module) != "sqlalchemy", f"{path.relative_to(ROOT)} imports {module}"
            touches_store = module == "app.store" or (module.startswith("app.store.") and module != "app.store.db")
            assert not touches_store, f"{path.relative_to(ROOT)} imports {module}"


def test_the_engine_knows_graphql_and_nothing_of_the_oms() -> None:
    """engine/ could be published alone: it imports graphql-core, the standard library and itself."""
    for path in (ROOT / "engine").rglob("*.py"):
        for module in imported_modules(path):
            root = top_level(module)
            assert root in ("engine", "graphql", "__future__") or root in sys.stdlib_module_names, (
                f"{path.relative_to(ROOT)} imports {module}"
            )
