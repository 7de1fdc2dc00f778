"""Production settings plus the minimal view the load test compares against."""

from missionplanner.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
