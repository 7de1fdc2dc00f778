import sys

from django.contrib.auth.decorators import login_not_required
from django.db import DatabaseError, InterfaceError, OperationalError, connection, transaction
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from django_tasks import DEFAULT_TASK_BACKEND_ALIAS, task_backends
from django_tasks_db import DatabaseBackend

from missionplanner.worker import worker_health


@login_not_required
@never_cache
@require_safe
@transaction.non_atomic_requests
def healthz(request):
    """200 when the database answers a query, 503 otherwise (for load balancers and monitors).

    With the database task backend it also says when the worker was last seen, and answers 503 when
    a task has waited WORKER_STALE_SECONDS with no worker seen in that time (missionplanner.worker).
    """
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        healthy, worker = (
            worker_health()
            if isinstance(task_backends[DEFAULT_TASK_BACKEND_ALIAS], DatabaseBackend)
            else (True, "")
        )
    except DatabaseError:
        return HttpResponse("database unavailable\n", status=503, content_type="text/plain")
    lines = ["ok" if healthy else "worker stopped taking tasks", *([worker] if worker else [])]
    return HttpResponse(
        "".join(f"{line}\n" for line in lines), status=200 if healthy else 503, content_type="text/plain"
    )


def server_error(request):
    """500 handler. A database that does not answer is a 503 the user can wait out, not a crash."""
    error = sys.exc_info()[1]
    if isinstance(error, (OperationalError, InterfaceError)):
        response = render(request, "503.html", status=503)
        response["Retry-After"] = "30"
        return response
    return render(request, "500.html", status=500)
