"""The admin lists' own tags: the date hierarchy of a big table, drawn without reading its rows."""

from __future__ import annotations

from django import template
from django.contrib.admin.templatetags.base import InclusionAdminNode

from tracker.admin.changelists import date_hierarchy

register = template.Library()


@register.tag(name="large_date_hierarchy")
def large_date_hierarchy(parser, token):
    """``{% large_date_hierarchy cl %}``: Django's ``date_hierarchy`` tag and template, with choices from
    :func:`tracker.admin.changelists.date_hierarchy`."""
    return InclusionAdminNode(parser, token, func=date_hierarchy, template_name="date_hierarchy.html",
                              takes_context=False)
