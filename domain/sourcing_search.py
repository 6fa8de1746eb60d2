"""Plan search: which of the ranked locations ship an order, fewest parcels first.

The rule: the best-ranked location that holds every line in full; otherwise
the fewest shipments up to the profile's limit, found exactly over a bounded
pool (the best-ranked few plus the best few holders of each line; in pool
order the first cover found is the best-ranked) while a shipment count has at
most EXACT_SEARCH_LIMIT combinations; greedily beyond (the location covering
the most missing units, the better-ranked of equals) until covered or the
limit is reached.

Why it is shaped like this: an order over a thousand locations must route in a
few milliseconds, so stock arrives sparse (per location only the lines it holds,
as (line, ATP) pairs plus a bitmask of those lines) and every step walks
holders only. ATP is never negative and quantities are positive.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

EXACT_SEARCH_LIMIT = 2000  # combinations tried exactly; beyond this the greedy heuristic runs
POOL_BEST = 8  # best-ranked candidates always in the exact-search pool
POOL_PER_LINE = 3  # plus the best few holding each line

Held = Sequence[tuple[int, int]]  # (line index, ATP > 0), in line order


def choose(held: Sequence[Held], masks: Sequence[int], needs: Sequence[int], max_shipments: int | None) -> list[int]:
    """Ranked positions of the locations to ship from, best-ranked first.

    `held[p]` and `masks[p]` describe the location ranked p (best first)."""
    full = (1 << len(needs)) - 1
    for pos, mask in enumerate(masks):
        if mask == full and all(a >= needs[i] for i, a in held[pos]):
            return [pos]
    limit = max(1, max_shipments or len(masks))
    holders = _holders(held, len(needs))
    exact = _exact(held, masks, needs, holders, limit)
    if exact is not None:
        return exact
    return _greedy(holders, held, needs, limit, len(masks))


def _holders(held: Sequence[Held], lines: int) -> list[list[tuple[int, int]]]:
    """Per line, the (ranked position, ATP) of every location holding it, best-ranked first."""
    found: list[list[tuple[int, int]]] = [[] for _ in range(lines)]
    for pos, pairs in enumerate(held):
        for i, a in pairs:
            found[i].append((pos, a))
    return found


def _best_holders(holders: Sequence[tuple[int, int]], need: int) -> list[int]:
    """The POOL_PER_LINE holders that cover most of `need` (the better-ranked of equals).

    Those holding it whole tie at the top in rank order, so the walk stops at
    the first few of them; the rest rank by units held."""
    whole: list[int] = []
    for pos, a in holders:
        if a >= need:
            whole.append(pos)
            if len(whole) == POOL_PER_LINE:
                return whole
    partial = sorted((h for h in holders if h[1] < need), key=lambda h: -h[1])  # stable: rank order on ties
    return whole + [pos for pos, _ in partial[: POOL_PER_LINE - len(whole)]]


def _exact(
    held: Sequence[Held],
    masks: Sequence[int],
    needs: Sequence[int],
    holders: Sequence[Sequence[tuple[int, int]]],
    limit: int,
) -> list[int] | None:
    """Fewest shipments over the bounded pool; None when a size has too many combinations to try."""
    chosen = set(range(min(POOL_BEST, len(masks))))
    for i, need in enumerate(needs):
        chosen.update(_best_holders(holders[i], need))
    pool = sorted(chosen)
    pool_masks = [masks[p] for p in pool]
    pool_held = [held[p] for p in pool]
    suffix = [0] * (len(pool) + 1)  # suffix[k]: the lines some pool member from k on holds
    for k in range(len(pool) - 1, -1, -1):
        suffix[k] = suffix[k + 1] | pool_masks[k]
    search = _Cover(pool_masks, suffix, pool_held, needs)
    for size in range(2, min(limit, len(pool)) + 1):
        if math.comb(len(pool), size) > EXACT_SEARCH_LIMIT:
            return None  # too many combinations of this size: the greedy heuristic takes over
        found = search.first(size, 0, 0, ())
        if found is not None:
            return [pool[k] for k in found]
    return None


class _Cover:
    """The first combination, in lexicographic order, whose stock covers every line in full.

    Lexicographic order over the rank-ordered pool is the order in which the
    plain search would try them, so the first found is the same plan; a prefix
    is abandoned as soon as the rest of the pool cannot hold some line."""

    def __init__(self, masks: Sequence[int], suffix: Sequence[int], held: Sequence[Held], needs: Sequence[int]) -> None:
        self.masks, self.suffix, self.held, self.needs = masks, suffix, held, needs
        self.full = (1 << len(needs)) - 1

    def first(self, size: int, start: int, have: int, combo: tuple[int, ...]) -> tuple[int, ...] | None:
        left = size - len(combo)
        masks, suffix, full = self.masks, self.suffix, self.full
        for k in range(start, len(masks) - left + 1):
            if have | suffix[k] != full:
                return None  # no member from k on completes the cover, so no later start does either
            union = have | masks[k]
            if left == 1:
                if union == full and self._enough((*combo, k)):
                    return (*combo, k)
            else:
                found = self.first(size, k + 1, union, (*combo, k))
                if found is not None:
                    return found
        return None

    def _enough(self, combo: tuple[int, ...]) -> bool:
        units = [0] * len(self.needs)
        for k in combo:
            for i, a in self.held[k]:
                units[i] += a
        return all(u >= n for u, n in zip(units, self.needs, strict=True))


def _greedy(
    holders: Sequence[Sequence[tuple[int, int]]], held: Sequence[Held], needs: Sequence[int], limit: int, ranked: int
) -> list[int]:
    """Take the location covering the most missing units (the better-ranked of equals) until covered."""
    chosen: list[int] = []
    missing = list(needs)
    while any(missing) and len(chosen) < limit:
        units = [0] * ranked
        for i, n in enumerate(missing):
            if n:
                for pos, a in holders[i]:
                    units[pos] += n if n < a else a
        for pos in chosen:
            units[pos] = 0
        best_units = max(units, default=0)
        if best_units <= 0:
            break
        best = units.index(best_units)
        chosen.append(best)
        for i, a in held[best]:
            missing[i] = max(0, missing[i] - a)
    return chosen
