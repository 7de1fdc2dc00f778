from django.apps import AppConfig


class ItineraryConfig(AppConfig):
    name = "itinerary"
    verbose_name = "Itinerary"

    def ready(self):
        from itinerary import feed_history  # noqa: F401  (connects the signal receivers)
