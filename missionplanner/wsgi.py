"""WSGI entry point: `gunicorn missionplanner.wsgi`."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "missionplanner.settings")

application = get_wsgi_application()

# Servers only (not tests or management commands): the first briefing book is not the one that
# imports WeasyPrint and loads the fonts.
from briefing.pdf import warm_up_in_background  # noqa: E402 (needs the settings above)

warm_up_in_background()
