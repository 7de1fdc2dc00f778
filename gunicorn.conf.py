"""gunicorn reads this file from the directory it starts in: tokens are masked in its access log."""

logger_class = "missionplanner.private_links.GunicornLogger"
