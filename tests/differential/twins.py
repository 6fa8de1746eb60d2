"""Run one operation on both twins, one per executor, and hold the two answers side by side.

An answer is the whole result as a client sees it, serialised with the keys in
the order the executor produced them: `data`, the formatted `errors` (message,
locations, path, extensions) in order, and the result's `extensions` (the cost
refusal, for one). Two answers are equal when those strings are equal; there is
no "close enough".
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import json
import os
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from domain.access import Principal
from resolvers.context import Context
from tests.backends import Backend, create_pg_database, drop_pg_database
from tests.differential.worlds import Determinism, Facts, World, principals, seed_world, world

CONTROL = "OMS_DIFF_CONTROL"  # set: twin P runs graphql-core too, a control run of the harness itself
EVENT_WAIT = 0.2  # seconds to wait for a subscription's first event (nothing is published: usually none)


def render(result: Any) -> str:
    """An ExecutionResult (or a subscription's pre-execution error) as the exact JSON a client would read."""
    body: dict[str, Any] = {"data": getattr(result, "data", None)}
    errors = getattr(result, "errors", None)
    if errors:
        body["errors"] = [error.formatted for error in errors]
    extensions = getattr(result, "extensions", None)
    if extensions:
        body["extensions"] = extensions
    return json.dumps(body, sort_keys=False, indent=1, default=repr)


@dataclass
class Difference:
    where: str
    role: str
    query: str
    variables: dict[str, Any] | None
    operation_name: str | None
    planned: str
    reference: str

    def __str__(self) -> str:
        return (
            f"{self.where} as {self.role} (operation {self.operation_name!r})\n{self.query}\n"
            f"variables: {json.dumps(self.variables)}\n--- planned:\n{self.planned}\n--- reference:\n{self.reference}"
        )


@dataclass
class Twins:
    planned: World
    reference: World
    facts: Facts
    determinism: Determinism
    callers: dict[str, Principal] = field(default_factory=dict)
    steps: int = 0

    def _context(self, world: World, role: str) -> Context:
        return Context(world.resources, self.callers[role], "diff-request")

    async def _execute(  # noqa: PLR0917
        self, world: World, role: str, query: str, variables: dict[str, Any] | None, name: str | None, key: str
    ) -> str:
        self.determinism.reseed(key)
        context = self._context(world, role)
        fresh = copy.deepcopy(variables)  # resolvers may consume what they are given (_entities pops __typename)
        try:
            result = await world.schema.execute(query, fresh, context_value=context, operation_name=name)
        except Exception as error:  # noqa: BLE001 - Strawberry raises for no query or an unknown operation name
            return f"raised {type(error).__name__}: {error}"
        return render(result)

    async def answers(
        self, query: str, variables: dict[str, Any] | None = None, name: str | None = None, role: str = "admin"
    ) -> tuple[str, str]:
        """(planned, reference): one after the other, the ids and codes drawn from the same seed."""
        self.steps += 1
        key = f"step-{self.steps}"
        planned = await self._execute(self.planned, role, query, variables, name, key)
        reference = await self._execute(self.reference, role, query, variables, name, key)
        return planned, reference

    async def difference(
        self,
        where: str,
        query: str,
        variables: dict[str, Any] | None = None,
        name: str | None = None,
        role: str = "admin",
    ) -> Difference | None:
        planned, reference = await self.answers(query, variables, name, role)
        if planned == reference:
            return None
        return Difference(where, role, query, variables, name, planned, reference)

    async def _first_event(
        self, world: World, role: str, query: str, variables: dict[str, Any] | None, name: str | None
    ) -> str:
        context = self._context(world, role)
        fresh = copy.deepcopy(variables)
        result = await world.schema.subscribe(query, fresh, context_value=context, operation_name=name)
        if not hasattr(result, "__anext__"):
            return "before the stream: " + render(result)
        try:
            return "first event: " + render(await asyncio.wait_for(result.__anext__(), EVENT_WAIT))
        except TimeoutError:
            return "no event yet"
        except StopAsyncIteration:
            return "stream ended"
        finally:
            await result.aclose()

    async def subscription_difference(
        self, where: str, query: str, variables: dict[str, Any] | None, name: str | None, role: str
    ) -> Difference | None:
        """A subscription's refusal, validation errors, or first event (within EVENT_WAIT), under both."""
        planned, reference = await asyncio.gather(
            self._first_event(self.planned, role, query, variables, name),
            self._first_event(self.reference, role, query, variables, name),
        )
        if planned == reference:
            return None
        return Difference(where, role, query, variables, name, planned, reference)


@contextlib.asynccontextmanager
async def database_urls(backend: Backend, folder: str) -> AsyncIterator[tuple[str, str]]:
    """Two empty databases of the backend's kind."""
    if backend.name == "sqlite":
        yield f"sqlite+aiosqlite:///{folder}/planned.db", f"sqlite+aiosqlite:///{folder}/reference.db"
        return
    (planned, planned_name), (reference, reference_name) = await create_pg_database(), await create_pg_database()
    try:
        yield planned, reference
    finally:
        await drop_pg_database(planned_name)
        await drop_pg_database(reference_name)


@contextlib.asynccontextmanager
async def twins(backend: Backend, folder: str) -> AsyncIterator[Twins]:
    """Twin P (planned executor) and twin R (graphql-core), seeded alike while ids and clock are pinned."""
    determinism = Determinism()
    with determinism.applied():
        async with (
            database_urls(backend, folder) as (planned_url, reference_url),
            world("planned", planned_url, "reference" if os.environ.get(CONTROL) else "planned") as planned,
            world("reference", reference_url, "reference") as reference,
        ):
            seeded = []
            for twin in (planned, reference):
                determinism.reseed("seed")
                seeded.append(await seed_world(twin, reference.schema))  # both seeded by graphql-core
            assert seeded[0] == seeded[1], f"the twins were not seeded alike: {seeded}"
            facts = seeded[1]
            yield Twins(planned, reference, facts, determinism, principals(facts.store))
