from django.apps import AppConfig


class PublishingConfig(AppConfig):
    name = "publishing"
    verbose_name = "Releases and notices"

    def ready(self):
        from publishing import automatic  # noqa: F401  (connects the automatic-publishing signals)
