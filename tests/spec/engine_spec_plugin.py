"""A pytest plugin that runs graphql-core's own execution tests against `engine` instead of graphql-core.

Loaded with `-p engine_spec_plugin` (tests/spec on PYTHONPATH, see `make test-spec`), so it runs before
any test module is imported: the test modules bind `from graphql.execution import execute` at import
time, so the swap must already be in place by then.

ENGINE_SPEC_TARGET picks what runs:
- `engine` (default): `execute` and `execute_sync` (and `subscribe`, `experimental_execute_incrementally`
  where engine exports them) are rebound to engine's in the namespaces the tests import from, and the
  items listed in tests/spec/exclusions.txt are deselected;
- `graphql`: nothing is swapped or deselected, proving the harness itself on graphql-core.

Only the re-exporting namespaces (`graphql`, `graphql.execution`, `graphql.harness`, the default
harness of `graphql()`/`graphql_sync()`) are rebound, never `graphql.execution.execute` where they are
defined: graphql-core's own execute and execute_sync call that module's globals, and engine may
delegate to graphql-core, which must keep reaching graphql-core.
"""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from pathlib import Path
from types import FunctionType, ModuleType
from typing import Any

import pytest

TARGETS = ("engine", "graphql")
REQUIRED = ("execute", "execute_sync")
OPTIONAL = ("subscribe", "experimental_execute_incrementally")
NAMESPACES = ("graphql", "graphql.execution", "graphql.harness")
REPO_ROOT = Path(__file__).resolve().parents[2]
EXCLUSIONS = Path(__file__).with_name("exclusions.txt")


@dataclass
class Swap:
    """What was rebound, with the undo steps to put graphql-core back at the end of the session."""

    originals: dict[str, Any] = field(default_factory=dict)
    replacements: dict[str, Any] = field(default_factory=dict)
    undo: list[Callable[[], None]] = field(default_factory=list)

    def set_attr(self, owner: Any, name: str, value: Any) -> None:
        old = getattr(owner, name)
        setattr(owner, name, value)
        self.undo.append(lambda: setattr(owner, name, old))


def target() -> str:
    chosen = os.environ.get("ENGINE_SPEC_TARGET", "engine").strip() or "engine"
    if chosen not in TARGETS:
        raise pytest.UsageError(f"ENGINE_SPEC_TARGET={chosen!r}: expected one of {', '.join(TARGETS)}")
    return chosen


def import_engine() -> ModuleType:
    """Import our `engine` from the repository root without leaving the root on sys.path.

    The root also holds our own `tests` package, which must not shadow graphql-core's `tests`.
    """
    sys.path.insert(0, str(REPO_ROOT))
    try:
        return importlib.import_module("engine")
    finally:
        sys.path.remove(str(REPO_ROOT))


def engine_functions(engine: ModuleType) -> dict[str, Any]:
    missing = [name for name in REQUIRED if not hasattr(engine, name)]
    if missing:
        raise pytest.UsageError(f"engine does not export {', '.join(missing)}")
    return {name: getattr(engine, name) for name in REQUIRED + OPTIONAL if hasattr(engine, name)}


def rebind(swap: Swap, module: ModuleType) -> None:
    for name, replacement in swap.replacements.items():
        if getattr(module, name, None) is swap.originals[name]:
            swap.set_attr(module, name, replacement)


def swap_default_harness(swap: Swap) -> None:
    """graphql()/graphql_sync() run through `default_harness`, bound as their parameter's default value."""
    harness_module = importlib.import_module("graphql.harness")
    original = harness_module.default_harness
    stages = {name: swap.replacements[name] for name in ("execute", "subscribe") if name in swap.replacements}
    replacement = original._replace(**stages)
    graphql_module = sys.modules["graphql.graphql"]
    for module in (harness_module, graphql_module, sys.modules["graphql"]):
        if getattr(module, "default_harness", None) is original:
            swap.set_attr(module, "default_harness", replacement)
    for value in vars(graphql_module).values():
        if isinstance(value, FunctionType) and value.__module__ == graphql_module.__name__:
            if value.__defaults__ and original in value.__defaults__:
                defaults = tuple(replacement if d is original else d for d in value.__defaults__)
                swap.set_attr(value, "__defaults__", defaults)
            if value.__kwdefaults__ and original in value.__kwdefaults__.values():
                kwdefaults = {k: replacement if d is original else d for k, d in value.__kwdefaults__.items()}
                swap.set_attr(value, "__kwdefaults__", kwdefaults)


def install_engine(swap: Swap) -> None:
    engine = import_engine()  # first, so that engine's own imports of graphql-core bind the originals
    swap.replacements = engine_functions(engine)
    execution = importlib.import_module("graphql.execution")
    swap.originals = {name: getattr(execution, name) for name in swap.replacements}
    for namespace in NAMESPACES:
        rebind(swap, importlib.import_module(namespace))
    swap_default_harness(swap)


@dataclass(frozen=True)
class Exclusion:
    pattern: str
    reason: str
    line: int

    def matches(self, nodeid: str) -> bool:
        return (
            fnmatchcase(nodeid, self.pattern)
            or nodeid.startswith(self.pattern + "::")
            or nodeid.startswith(self.pattern + "[")
        )


def read_exclusions(path: Path = EXCLUSIONS) -> list[Exclusion]:
    """Lines `<node id or glob>  # reason`; blank lines and lines starting with # are ignored."""
    found: list[Exclusion] = []
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        pattern, _, reason = line.partition("#")
        if not pattern.strip() or not reason.strip():
            raise pytest.UsageError(f"{path.name}:{number}: expected '<node id or glob>  # reason', got {raw!r}")
        found.append(Exclusion(pattern.strip(), reason.strip(), number))
    return found


def whole_folders_collected(config: pytest.Config) -> bool:
    """Stale exclusions are only visible when no file, node id, -k or -m narrowed the run."""
    narrowed = config.getoption("keyword") or config.getoption("markexpr")
    return not narrowed and all(Path(arg).is_dir() for arg in config.args)


class EngineSpecPlugin:
    def __init__(self, chosen: str) -> None:
        self.target = chosen
        self.swap = Swap()

    def pytest_configure(self, config: pytest.Config) -> None:
        if self.target == "engine":
            install_engine(self.swap)

    def pytest_unconfigure(self, config: pytest.Config) -> None:
        for step in reversed(self.swap.undo):
            step()
        self.swap.undo.clear()

    def pytest_report_header(self, config: pytest.Config) -> str:
        if self.target == "graphql":
            return "engine spec target: graphql (graphql-core itself, nothing swapped or deselected)"
        kept = [name for name in OPTIONAL if name not in self.swap.replacements]
        swapped = ", ".join(self.swap.replacements)
        return f"engine spec target: engine ({swapped} swapped; graphql-core's own: {', '.join(kept) or 'none'})"

    @pytest.hookimpl(trylast=True)
    def pytest_collection_modifyitems(self, config: pytest.Config, items: list[pytest.Item]) -> None:
        if self.target != "engine":
            return
        self.check_no_module_kept_originals(items)
        exclusions = read_exclusions()
        used: set[Exclusion] = set()
        keep: list[pytest.Item] = []
        drop: list[pytest.Item] = []
        for item in items:
            hit = next((e for e in exclusions if e.matches(item.nodeid)), None)
            (keep if hit is None else drop).append(item)
            if hit is not None:
                used.add(hit)
        unused = [e for e in exclusions if e not in used]
        if unused and whole_folders_collected(config):
            stale = "; ".join(f"line {e.line}: {e.pattern}" for e in unused)
            raise pytest.UsageError(f"{EXCLUSIONS.name} entries that match no collected test: {stale}")
        if drop:
            config.hook.pytest_deselected(items=drop)
            items[:] = keep

    def check_no_module_kept_originals(self, items: list[pytest.Item]) -> None:
        """A test module that imported execute from a namespace we did not rebind would test graphql-core."""
        modules = {id(m): m for m in (getattr(item, "module", None) for item in items) if m is not None}
        for module in modules.values():
            for name, value in vars(module).items():
                if any(value is original for original in self.swap.originals.values()):
                    raise pytest.UsageError(f"{module.__name__}.{name} is still graphql-core's, not engine's")


def pytest_configure(config: pytest.Config) -> None:
    config.pluginmanager.register(EngineSpecPlugin(target()), "engine-spec")
