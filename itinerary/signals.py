from django.dispatch import Signal

# A whole mission arrived from outside (the demo data, an import file), with `delegation`. Sent
# inside the loading transaction; publishing answers with a release, so delegates see it at once.
mission_loaded = Signal()
