"""The place tree's rule, read from the path alone: ancestors at any depth, area links, the level order."""

from __future__ import annotations

from tracker.choices import LocationLevel
from tracker.rules.tree import (
    LOCATION_LEVEL_RANK,
    ancestor_ids,
    area_links,
    child_path,
    inherited_areas,
    lies_within,
    path_depth,
    strict_ancestor_ids,
)


def test_a_path_is_the_parent_path_and_the_place():
    assert child_path(None, 7) == "/7/"
    assert child_path("", 7) == "/7/"
    assert child_path("/1/9/", 230) == "/1/9/230/"
    assert path_depth("/7/") == 0
    assert path_depth("/1/9/230/") == 2


def test_ancestors_at_any_depth_come_from_the_path():
    """Eight levels below a country (deeper than any fixed chain of parent links reaches): every ancestor."""
    path = "/3/14/15/92/65/35/89/79/32/"
    assert ancestor_ids(path) == [3, 14, 15, 92, 65, 35, 89, 79, 32]
    assert strict_ancestor_ids(path) == [79, 89, 35, 65, 92, 15, 14, 3]  # closest first, the place left out
    assert strict_ancestor_ids("/3/") == []
    assert ancestor_ids("") == []


def test_lies_within_matches_whole_ids_only():
    assert lies_within("/1/12/", 12)
    assert lies_within("/1/12/", 1)
    assert not lies_within("/12/", 1)  # "/12/" starts like "/1" but does not lie inside place 1
    assert not lies_within("/1/12/", 2)


def test_area_links_are_self_inclusive_and_inherited():
    assert area_links(LocationLevel.COUNTRY, 1, None) == (1, None, None)
    assert area_links(LocationLevel.ADM1, 9, (1, None, None)) == (1, 9, None)
    assert area_links(LocationLevel.ADM2, 30, (1, 9, None)) == (1, 9, 30)
    assert area_links(LocationLevel.SITE, 44, (1, 9, 30)) == (1, 9, 30)
    assert area_links(LocationLevel.FEATURE, 50, None) == (None, None, None)  # a root feature has no country


def test_a_moved_place_passes_on_only_the_areas_coarser_than_itself():
    assert inherited_areas(LocationLevel.COUNTRY) == ()
    assert inherited_areas(LocationLevel.ADM1) == ("country",)
    assert inherited_areas(LocationLevel.ADM2) == ("country", "adm1")
    assert inherited_areas(LocationLevel.LOCALITY) == ("country", "adm1", "adm2")


def test_levels_coarsen_upwards():
    order = sorted(LOCATION_LEVEL_RANK, key=LOCATION_LEVEL_RANK.get)
    assert order == ["country", "adm1", "adm2", "adm3", "locality", "site", "feature"]
