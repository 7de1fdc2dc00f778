from django.apps import AppConfig


class MatchmakingConfig(AppConfig):
    name = "matchmaking"
    verbose_name = "B2B matchmaking"

    def ready(self):
        # Deleting a placement cancels its itinerary meeting (a pre_delete receiver).
        from matchmaking import itinerary_sync  # noqa: F401
