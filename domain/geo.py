"""Distances on the Earth's surface (great circle), in kilometres."""

from __future__ import annotations

import math

from domain.locations import Geo

EARTH_RADIUS_KM = 6371.0088


def distance_km(a: Geo, b: Geo) -> float:
    """Haversine distance: good to about 0.5%, plenty for routing and ETAs."""
    lat1, lat2 = math.radians(a.lat), math.radians(b.lat)
    dlat = lat2 - lat1
    dlon = math.radians(b.lon - a.lon)
    h = math.sin(dlat / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin(dlon / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))
