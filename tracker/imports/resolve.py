"""Names in a spreadsheet resolved to rows: places by P-code, name or alias within a country; organizations by
name, acronym or alias; sources by normalised URL; events by name; anything by its id.

Each lookup is cached for the whole file (a sheet names the same few places thousands of times). An unknown or
ambiguous name is a ``ValidationError`` that lists the candidates, so the analyst can pick the id or code.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db.models import Q

from tracker.choices import LocationLevel
from tracker.models import Event, Location, LocationName, Organization, OrganizationAlias, Source
from tracker.rules.normalise import normalise_url

CANDIDATES_SHOWN = 5


def _listed(rows, describe) -> str:
    shown = [describe(row) for row in rows[:CANDIDATES_SHOWN]]
    more = len(rows) - len(shown)
    return "; ".join(shown) + (f" and {more} more" if more > 0 else "")


def _place(place: Location) -> str:
    where = f", {place.parent.name}" if place.parent_id and place.parent else ""
    code = f" {place.pcode}" if place.pcode else ""
    return f"#{place.pk}{code} {place.name} ({place.get_level_display().lower()}{where})"


def _org(org: Organization) -> str:
    return f"#{org.pk} {org}"


class Resolver:
    """Lookups for one file; every answer is cached."""

    def __init__(self):
        self._cache: dict[tuple, object] = {}

    def _cached(self, key: tuple, find):
        if key not in self._cache:
            try:
                self._cache[key] = find()
            except ValidationError as error:
                self._cache[key] = error
        found = self._cache[key]
        if isinstance(found, ValidationError):
            raise found
        return found

    # --- by id ------------------------------------------------------------------------------------------------

    def by_id(self, model: type, pk: int):
        def find():
            found = model.objects.filter(pk=pk).first()
            if found is None:
                raise ValidationError(f"No {model._meta.verbose_name} has id {pk}.")
            return found

        return self._cached((model, "id", pk), find)

    # --- places -----------------------------------------------------------------------------------------------

    def country(self, code: str) -> Location:
        code = code.strip().upper()

        def find():
            found = Location.objects.filter(level=LocationLevel.COUNTRY).filter(Q(iso3=code) | Q(pcode=code)).first()
            if found is None:
                raise ValidationError(f"No country has the code '{code}' (ISO 3166 alpha-3, e.g. SYR).")
            return found

        return self._cached(("country", code), find)

    def place_by_code(self, code: str) -> Location:
        code = code.strip()

        def find():
            # Exact first (the unique indexes answer it), then without case (a scan, but only for a code typed
            # in another case).
            places = Location.objects.select_related("parent")
            found = list(places.filter(Q(pcode=code) | Q(iso3=code))[:2]) or list(
                places.filter(Q(pcode__iexact=code) | Q(iso3__iexact=code))[:2])
            if not found:
                near = list(Location.objects.select_related("parent").filter(pcode__istartswith=code[:4])
                            .order_by("pcode")[:CANDIDATES_SHOWN + 1]) if len(code) >= 4 else []
                hint = f" Codes close to it: {_listed(near, _place)}." if near else ""
                raise ValidationError(f"No place has the P-code '{code}'.{hint}")
            return found[0]

        return self._cached(("pcode", code.casefold()), find)

    def place_by_name(self, name: str, country: Location | None) -> Location:
        name = name.strip()

        def find():
            exact = Q(name=name) | Q(pk__in=LocationName.objects.filter(name=name).values("location"))
            named = Q(name__iexact=name) | Q(pk__in=LocationName.objects.filter(name__iexact=name).values("location"))
            if Location.objects.filter(exact).exists():
                named = exact  # the indexed lookup; without case only when the name is typed otherwise
            places = Location.objects.select_related("parent").filter(named)
            if country is not None:
                places = places.filter(Q(country=country) | Q(pk=country.pk))
            found = list(places.order_by("depth", "name", "pk")[:CANDIDATES_SHOWN + 1])
            within = f" in {country.name}" if country is not None else ""
            if len(found) == 1:
                return found[0]
            if found:
                raise ValidationError(
                    f"'{name}' names {len(found) if len(found) <= CANDIDATES_SHOWN else 'several'} places{within}: "
                    f"{_listed(found, _place)}. Give the place's P-code or id"
                    + ("" if country is not None else ", or its country's ISO3 code") + "."
                )
            near = Location.objects.select_related("parent").filter(name__istartswith=name[:3])
            if country is not None:
                near = near.filter(Q(country=country) | Q(pk=country.pk))
            near = list(near.order_by("depth", "name")[:CANDIDATES_SHOWN + 1])
            hint = f" Places with a similar name: {_listed(near, _place)}." if near else ""
            raise ValidationError(f"No place is named '{name}'{within}.{hint}")

        return self._cached(("place", name.casefold(), country.pk if country else None), find)

    # --- organizations, sources, events ----------------------------------------------------------------------

    def organization(self, name: str) -> Organization:
        name = name.strip()

        def find():
            exact = list(Organization.objects.filter(name__iexact=name)[:2])
            if len(exact) == 1:
                return exact[0]
            found = list(Organization.objects.filter(
                Q(acronym__iexact=name)
                | Q(pk__in=OrganizationAlias.objects.filter(name__iexact=name).values("organization"))
            ).order_by("name")[:CANDIDATES_SHOWN + 1])
            if len(found) == 1:
                return found[0]
            if found:
                raise ValidationError(f"'{name}' names several organizations: {_listed(found, _org)}. "
                                      "Give the full name or the id.")
            near = list(Organization.objects.filter(Q(name__icontains=name[:4]) | Q(acronym__istartswith=name[:2]))
                        .order_by("name")[:CANDIDATES_SHOWN + 1]) if name else []
            hint = f" Organizations with a similar name: {_listed(near, _org)}." if near else ""
            raise ValidationError(f"No organization is named '{name}'.{hint} Add it first, or import organizations.")

        return self._cached(("org", name.casefold()), find)

    def source_by_url(self, url: str) -> Source:
        url = url.strip()

        def find():
            found = Source.objects.with_url(url).order_by("pk").first()
            if found is None:
                raise ValidationError(f"No source has the URL {url} (compared without tracking parameters, "
                                      "'www.' or the scheme). Add the source first, or give its id.")
            return found

        return self._cached(("source", normalise_url(url)), find)

    def event(self, name: str) -> Event:
        name = name.strip()

        def find():
            found = list(Event.objects.filter(name__iexact=name)[:CANDIDATES_SHOWN + 1])
            if len(found) == 1:
                return found[0]
            if found:
                raise ValidationError(f"'{name}' names several events: "
                                      f"{_listed(found, lambda e: f'#{e.pk} {e.name}')}. Give the event's id.")
            near = list(Event.objects.filter(name__icontains=name[:5]).order_by("name")[:CANDIDATES_SHOWN + 1])
            hint = f" Events with a similar name: {_listed(near, lambda e: f'#{e.pk} {e.name}')}." if near else ""
            raise ValidationError(f"No event is named '{name}'.{hint}")

        return self._cached(("event", name.casefold()), find)
