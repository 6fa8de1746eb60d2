"""Use case: create or replace a sourcing profile."""

from __future__ import annotations

from dataclasses import replace

from app.services.uow import UnitOfWork
from app.store import profiles as store
from domain import profiles
from domain.profiles import SourcingProfile


async def upsert_profile(uow: UnitOfWork, *, profile: SourcingProfile) -> SourcingProfile:
    profiles.validate(profile)
    async with uow:
        saved = replace(profile, revision=int(uow.now.timestamp() * 1_000_000))
        await store.save_profile(uow.conn, saved, uow.now)
    return saved


async def list_profiles(uow: UnitOfWork) -> list[SourcingProfile]:
    async with uow:
        found = await store.all_profiles(uow.conn)
    if not any(p.id == profiles.DEFAULT_PROFILE_ID for p in found):
        found.insert(0, profiles.DEFAULT_PROFILE)
    return found
