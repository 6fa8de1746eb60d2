"""Every GraphQL operation the project itself uses, with where it came from.

Sources:
- tests: string literals in tests/**/*.py (f-strings too, when they only
  interpolate module-level string constants, as the API tests' payload
  fragments do), except this folder's own;
- readme: fenced ```graphql blocks of README.md;
- pages: template literals of app/pages/*.js and *.html (the /demo and
  /console pages), `${CONSTANT}` resolved from the constants above them;
- contract: the shared CONTRACT.md declares types, not operations; it gives one
  operation per root field it names, selecting the fields it declares
  (tests/differential/contract.py; the corpus test gathers all four).

A document with several operations yields one operation per name, each run by
its operation name against the whole document. Duplicates (same printed
document and operation name) are kept once, at their first place.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from graphql import GraphQLSyntaxError, OperationDefinitionNode, parse, print_ast

ROOT = Path(__file__).resolve().parents[2]
CONTRACT = ROOT.parent / "shared" / "CONTRACT.md"
FENCED = re.compile(r"```graphql\n(.*?)```", re.S)
TEMPLATE = re.compile(r"(?:const\s+(\w+)\s*=\s*)?`((?:[^`\\]|\\.)*)`", re.S)
INTERPOLATION = re.compile(r"\$\{\s*(\w+)\s*\}")


@dataclass(frozen=True)
class Operation:
    source: str  # tests | readme | pages | contract
    where: str  # file:line
    document: str
    name: str | None  # the operation to run in `document`
    kind: str  # query | mutation | subscription

    @property
    def label(self) -> str:
        return f"{self.where}:{self.name or self.kind}"


def operations_in(text: str, source: str, where: str) -> list[Operation]:
    """The operations of one document; none if it does not parse or holds no operation."""
    if "{" not in text:
        return []
    try:
        document = parse(text)
    except GraphQLSyntaxError:
        return []
    ops = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    return [Operation(source, where, text, op.name.value if op.name else None, op.operation.value) for op in ops]


def _module_constants(tree: ast.Module) -> dict[str, str]:
    """Module-level `NAME = "..."` (or an f-string of such names), in order of definition."""
    constants: dict[str, str] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            value = _string(node.value, constants)
            if value is not None:
                constants[node.targets[0].id] = value
    return constants


def _string(node: ast.expr, constants: dict[str, str]) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        parts: list[str] = []
        for value in node.values:
            if isinstance(value, ast.Constant) and isinstance(value.value, str):
                parts.append(value.value)
            elif isinstance(value, ast.FormattedValue) and isinstance(value.value, ast.Name):
                if value.value.id not in constants:
                    return None
                parts.append(constants[value.value.id])
            else:
                return None
        return "".join(parts)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _string(node.left, constants), _string(node.right, constants)
        return left + right if left is not None and right is not None else None
    return None


def from_tests(root: Path = ROOT) -> Iterator[Operation]:
    own = Path(__file__).resolve().parent
    for path in sorted((root / "tests").rglob("*.py")):
        if own in path.resolve().parents:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        constants = _module_constants(tree)
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant | ast.JoinedStr | ast.BinOp):
                text = _string(node, constants)
                if text is not None:
                    yield from operations_in(text, "tests", f"{path.relative_to(root)}:{node.lineno}")


def from_markdown(path: Path, source: str) -> Iterator[Operation]:
    text = path.read_text(encoding="utf-8")
    for match in FENCED.finditer(text):
        line = text.count("\n", 0, match.start()) + 2
        yield from _split(match.group(1), source, f"{path.name}:{line}")


def _split(text: str, source: str, where: str) -> Iterator[Operation]:
    """Several anonymous operations in one block (a README example) become one document each."""
    found = operations_in(text, source, where)
    if sum(op.name is None for op in found) <= 1:
        yield from found
        return
    document = parse(text)
    fragments = [d for d in document.definitions if not isinstance(d, OperationDefinitionNode)]
    for definition in document.definitions:
        if isinstance(definition, OperationDefinitionNode):
            single = document.__class__(definitions=(definition, *fragments))
            yield from operations_in(print_ast(single), source, where)


def from_pages(root: Path = ROOT) -> Iterator[Operation]:
    pages = root / "app" / "pages"
    for path in sorted([*pages.glob("*.js"), *pages.glob("*.html")]):
        text = path.read_text(encoding="utf-8")
        constants: dict[str, str] = {}
        for match in TEMPLATE.finditer(text):
            name, body = match.group(1), match.group(2)
            resolved = INTERPOLATION.sub(lambda m, known=constants: known.get(m.group(1), m.group(0)), body)
            if name:
                constants[name] = resolved
            if "${" not in resolved:
                line = text.count("\n", 0, match.start()) + 1
                yield from operations_in(resolved, "pages", f"{path.relative_to(root)}:{line}")


def deduplicated(operations: Iterator[Operation]) -> list[Operation]:
    seen: set[tuple[str, str | None]] = set()
    kept: list[Operation] = []
    for op in operations:
        key = (print_ast(parse(op.document)), op.name)
        if key not in seen:
            seen.add(key)
            kept.append(op)
    return kept
