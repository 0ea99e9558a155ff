"""The place tree's rule: a place's materialised path, and its ancestors read from it at any depth.

A place's ``path`` holds the ids from the root of its tree down to itself, each followed by a slash
("/1/9/230/"). Its ancestors, its depth and whether it lies inside another place are read from the path
alone: no parent chain is walked and no depth is assumed. Levels only coarsen upwards
(:data:`LOCATION_LEVEL_RANK`), and a place also stores its self-inclusive ``country``, ``adm1`` and ``adm2``
links (:func:`area_links`), the group keys of reports.

``Location.save()`` derives these columns with these functions, and so does the synthetic generator for the
places it inserts directly.
"""

from __future__ import annotations

from collections.abc import Sequence

from tracker.choices import LocationLevel

# Coarse to fine: a parent's rank is always lower than its child's.
LOCATION_LEVEL_RANK = {level: rank for rank, level in enumerate(LocationLevel)}

# The ancestor links every place stores, coarse to fine: itself at its own level, else its parent's.
AREA_LEVELS = (LocationLevel.COUNTRY, LocationLevel.ADM1, LocationLevel.ADM2)


def child_path(parent_path: str | None, pk: int) -> str:
    """The path of place ``pk`` under a parent whose path is ``parent_path`` (None or empty: a root)."""
    return f"{parent_path or '/'}{pk}/"


def path_depth(path: str) -> int:
    """How many places lie above this one: 0 for a root ("/1/"), 1 for its children."""
    return path.count("/") - 2


def ancestor_ids(path: str) -> list[int]:
    """Ids from the root down to the place itself (the place is last)."""
    return [int(part) for part in path.strip("/").split("/") if part]


def strict_ancestor_ids(path: str) -> list[int]:
    """Ids of the places above this one, closest first; empty for a root."""
    return ancestor_ids(path)[-2::-1]


def lies_within(path: str, pk: int) -> bool:
    """Whether the place with ``path`` is place ``pk`` or lies anywhere under it."""
    return f"/{pk}/" in path


def area_links(level: str, pk: int, parent_links: Sequence[int | None] | None) -> tuple[int | None, ...]:
    """A place's ``country``, ``adm1`` and ``adm2`` ids (:data:`AREA_LEVELS` order): its own id at its own
    level, else its parent's link (``parent_links``, in the same order; None for a root)."""
    return tuple(pk if level == area else (parent_links[i] if parent_links else None)
                 for i, area in enumerate(AREA_LEVELS))


def inherited_areas(level: str) -> tuple[str, ...]:
    """The area links a place passes on to its whole subtree: those coarser than its own level (a moved
    place's descendants take these from it; at its own level and finer they keep their own)."""
    return tuple(area for area in AREA_LEVELS if LOCATION_LEVEL_RANK[level] > LOCATION_LEVEL_RANK[area])
