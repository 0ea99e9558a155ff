from django.apps import AppConfig


class TrackerConfig(AppConfig):
    name = "tracker"
    verbose_name = "Displacement Tracker"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate
        from simple_history.signals import pre_create_historical_record

        from tracker.permissions import ensure_groups
        from tracker.search.schema import ensure_search_tables
        from tracker.services.common import shorten_change_reason

        post_migrate.connect(ensure_groups, sender=self)
        post_migrate.connect(ensure_search_tables, sender=self)
        pre_create_historical_record.connect(shorten_change_reason, dispatch_uid="shorten_change_reason")

