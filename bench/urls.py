"""The project's URLs plus the floor for request overhead: a minimal view behind the same middleware."""

from django.contrib.auth.decorators import login_not_required
from django.db import transaction
from django.http import HttpResponse
from django.urls import path

from missionplanner.urls import urlpatterns as project_urlpatterns


@login_not_required
@transaction.non_atomic_requests
def minimal(request):
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [path("bench/minimal", minimal, name="bench-minimal"), *project_urlpatterns]
