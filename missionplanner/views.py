from django.db import DatabaseError, connection, transaction
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from delegations.models import Delegation


def home(request):
    delegations = Delegation.objects.select_related("organiser").order_by("-start_date")
    return render(request, "home.html", {"delegations": delegations})


@never_cache
@transaction.non_atomic_requests
def healthz(request):
    """200 when the database answers a query, 503 otherwise (for load balancers and monitors)."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        return HttpResponse("database unavailable\n", status=503, content_type="text/plain")
    return HttpResponse("ok\n", content_type="text/plain")
