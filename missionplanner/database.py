"""How requests share the embedded SQLite database: reads never take the write lock, a write waits
a bounded time for it (the `timeout` option) and then answers 503 "busy, try again", never a 500.

Every view runs in one transaction (ATOMIC_REQUESTS): a form's stale-edit check locks the row it
then saves, and a save with its attendees ends in one automatic release. On SQLite that
transaction begins IMMEDIATE for a POST (it takes the write lock up front, so two writers queue
instead of one failing halfway) and DEFERRED for a GET or HEAD, which with the write-ahead log
(`journal_mode=WAL`) reads a snapshot beside a writer without ever blocking it. Views that do long
work before they write (reading an uploaded file, building a PDF) run outside the request's
transaction and open a short one for their writes only.
"""

from collections import defaultdict

from django.db import OperationalError, connection, transaction
from django.http import JsonResponse
from django.shortcuts import render

READ_METHODS = {"GET", "HEAD", "OPTIONS"}
RETRY_AFTER_SECONDS = 5
BUSY = (
    "Mission Planner is busy saving someone else's change: nothing of yours was saved. Try again in a moment."
)


def is_locked(error: Exception) -> bool:
    """SQLite's "database is locked" (or "database table is locked"): another writer held the lock
    longer than this one could wait."""
    return isinstance(error, OperationalError) and "is locked" in str(error).lower()


def busy_response(request):
    """503 with Retry-After: JSON for the board's fetches, a page otherwise."""
    if request.content_type == "application/json" or request.headers.get("Accept", "").startswith(
        "application/json"
    ):
        response = JsonResponse({"error": BUSY}, status=503)
    else:
        response = render(request, "busy.html", {"message": BUSY}, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


class DatabaseLockMiddleware:
    """A read request's transaction begins DEFERRED on SQLite; a view stopped by the lock is a 503."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if connection.vendor != "sqlite" or request.method not in READ_METHODS:
            return self.get_response(request)
        # The mode is read from the settings when the connection opens: open it first.
        connection.ensure_connection()
        configured, connection.transaction_mode = connection.transaction_mode, "DEFERRED"
        try:
            return self.get_response(request)
        finally:
            connection.transaction_mode = configured

    def process_exception(self, request, exception):
        if is_locked(exception):
            return busy_response(request)
        return None


def saved_since_read(items) -> bool:
    """Whether any of these rows was saved (or deleted) by someone else since it was read.

    For views that plan a change outside the write transaction (the long part) and save it inside:
    called in that transaction, it reads each row again under a lock (the write lock on SQLite).
    """
    read_by_model = defaultdict(dict)
    for item in items:
        if item.pk:
            read_by_model[type(item)][item.pk] = item.updated_at
    for model, read in read_by_model.items():
        stored = dict(model.objects.select_for_update().filter(pk__in=read).values_list("pk", "updated_at"))
        if stored != read:
            return True
    return False


class OwnTransactionsMixin:
    """For a view whose long work (reading an upload) comes before its writes: it runs outside the
    request's transaction, and wraps its writes in `transaction.atomic()` itself."""

    @classmethod
    def as_view(cls, **initkwargs):
        return transaction.non_atomic_requests(super().as_view(**initkwargs))
