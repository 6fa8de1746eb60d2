"""Items: the sellable SKUs the OMS needs to know about.

The PIM is the product master; the OMS keeps only what promising and picking
need: the category (availability rules and pick grouping), the barcodes a
scanner may read (scan-to-pick) and the zone of the store it lives in.
A barcode names exactly one SKU, so a scan is never ambiguous.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from domain.errors import InvalidInput

MAX_SKU_LENGTH = 64


@dataclass(frozen=True, slots=True)
class Item:
    sku: str
    category: str
    barcodes: tuple[str, ...] = ()
    zone: str | None = None
    release_at: datetime | None = None  # in the future: taken only as pre-orders until then
    preorder_limit: int | None = None  # units that may be pre-ordered in all; None: no limit
    preordered: int = 0  # units pre-ordered so far (read, never written from input)
    sale_opened_at: datetime | None = None  # when its pre-orders were served and general sale began


def validate(item: Item) -> Item:
    if not item.sku.strip() or len(item.sku) > MAX_SKU_LENGTH:
        raise InvalidInput(f"sku must be 1 to {MAX_SKU_LENGTH} characters", ("sku",))
    if not item.category.strip():
        raise InvalidInput("category must not be empty", ("category",), sku=item.sku)
    if any(not code.strip() for code in item.barcodes):
        raise InvalidInput("barcodes must not be empty strings", ("barcodes",), sku=item.sku)
    if len(set(item.barcodes)) != len(item.barcodes):
        raise InvalidInput("barcodes repeat within the item", ("barcodes",), sku=item.sku)
    if item.preorder_limit is not None and item.preorder_limit < 0:
        raise InvalidInput("preorderLimit must not be negative", ("preorderLimit",), sku=item.sku)
    if item.release_at is not None and item.release_at.tzinfo is None:
        raise InvalidInput("releaseAt needs a time zone", ("releaseAt",), sku=item.sku)
    return item


def barcode_clashes(items: list[Item], owners: dict[str, str]) -> dict[int, str]:
    """Index of each item whose barcode already names another SKU.

    `owners` maps barcodes already known (stored or earlier in the batch) to
    their SKU; it is extended with each accepted item's barcodes.
    """
    clashes: dict[int, str] = {}
    for index, item in enumerate(items):
        taken = [code for code in item.barcodes if owners.get(code, item.sku) != item.sku]
        if taken:
            clashes[index] = taken[0]
            continue
        owners.update(dict.fromkeys(item.barcodes, item.sku))
    return clashes
