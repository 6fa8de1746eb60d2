"""Shapes services return for batch commands."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Generic, TypeVar

from domain.errors import DomainError

T = TypeVar("T")


@dataclass(slots=True)
class BatchResult(Generic[T]):
    """What a batch command saved, and the entries it refused (each alone)."""

    saved: list[T] = field(default_factory=list)
    errors: list[DomainError] = field(default_factory=list)
