"""The database task worker, kept going: `manage.py db_worker` (our command of that name) runs this.

django-tasks-db's worker loop ends at the first database error it does not expect ("database is
locked" while it begins its transaction, a lost connection, a result it cannot record): under the
autoreloader the process then stays up and runs no task again. This one logs the error and tries
again after its interval. It also

- records a heartbeat (missionplanner.models.WorkerHeartbeat): each time it looks for a task, and
  every few seconds from a thread while a task runs, so /healthz can say when it was last seen and
  a long task is not taken for abandoned;
- takes up again the tasks a dead worker left RUNNING (killed mid-task, or stopped by a database
  error while recording the result): a RUNNING task that no worker seen within
  WORKER_STALE_SECONDS holds is made READY again, and runs again under the same id (send_notice
  uses that id to see its own earlier attempt and never sends twice).
"""

from __future__ import annotations

import logging
import random
import threading
import time
from datetime import timedelta

from django.conf import settings
from django.db import DatabaseError, close_old_connections, connection
from django.db.models import Max, Q
from django.utils import timezone
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.management.commands.db_worker import Worker as BaseWorker
from django_tasks_db.models import DBTaskResult, get_date_max
from django_tasks_db.utils import exclusive_transaction

from missionplanner.models import WorkerHeartbeat

logger = logging.getLogger("django_tasks_db")


def stale_after() -> timedelta:
    """A worker not seen for this long is taken for dead."""
    return timedelta(seconds=settings.WORKER_STALE_SECONDS)


def take_up_abandoned() -> int:
    """Make READY again the RUNNING tasks that no live worker holds; how many."""
    live = WorkerHeartbeat.objects.filter(seen_at__gte=timezone.now() - stale_after(), task_id__isnull=False)
    abandoned = DBTaskResult.objects.running().exclude(id__in=live.values("task_id"))
    count = abandoned.update(status=TaskResultStatus.READY)
    if count:
        logger.warning("Took up again %d task(s) left running by a worker that stopped.", count)
    return count


def worker_health() -> tuple[bool, str]:
    """(healthy, a line for /healthz): unhealthy when a task has waited longer than
    WORKER_STALE_SECONDS and no worker has been seen in that time."""
    cutoff = timezone.now() - stale_after()
    seen = WorkerHeartbeat.objects.aggregate(last=Max("seen_at"))["last"]
    overdue = (
        DBTaskResult.objects.ready()
        .filter(Q(run_after__lte=cutoff) | Q(run_after=get_date_max(), enqueued_at__lte=cutoff))
        .count()
    )
    if seen is None:
        line = "worker: never seen"
    else:
        line = f"worker: last seen {int((timezone.now() - seen).total_seconds())} s ago"
    if overdue:
        line += f", {overdue} task{'s' if overdue != 1 else ''} waiting"
    return not (overdue and (seen is None or seen < cutoff)), line


class Heartbeat(threading.Thread):
    """Beats for the worker while it runs a task (the loop itself beats between tasks)."""

    def __init__(self, worker: Worker):
        super().__init__(name="heartbeat", daemon=True)
        self.worker = worker
        self.stopped = threading.Event()

    def run(self):
        every = settings.WORKER_STALE_SECONDS / 4
        try:
            while not self.stopped.wait(every):
                if self.worker.running_task:
                    try:
                        WorkerHeartbeat.objects.filter(worker_id=self.worker.worker_id).update(
                            seen_at=timezone.now()
                        )
                    except DatabaseError as error:
                        logger.warning("Heartbeat not recorded: %s", error)
        finally:
            connection.close()  # this thread's own connection


class Worker(BaseWorker):
    def run(self) -> None:
        logger.info("Starting worker worker_id=%s queues=%s", self.worker_id, ",".join(self.queue_names))
        if self.startup_delay and self.interval:
            time.sleep(random.random())  # workers started together do not poll in step
        try:
            WorkerHeartbeat.objects.filter(seen_at__lt=timezone.now() - timedelta(days=1)).delete()
        except DatabaseError as error:
            logger.warning("Old heartbeats not cleared: %s", error)
        self.beaten_at = 0.0
        heartbeat = Heartbeat(self)
        heartbeat.start()
        try:
            self._loop()
        finally:
            heartbeat.stopped.set()

    def _loop(self) -> None:
        while self.running:
            task_result, looked = self._next_task()
            if task_result is not None:
                self._run(task_result)
            elif self.batch and looked:
                logger.info("No more tasks to run for worker_id=%s - exiting gracefully.", self.worker_id)
                return
            if self.max_tasks is not None and self._run_tasks >= self.max_tasks:
                logger.info("Ran the maximum of %d tasks - exiting gracefully.", self._run_tasks)
                return
            if self.running and task_result is None:
                time.sleep(self.interval)

    def _queue(self):
        tasks = DBTaskResult.objects.ready().filter(backend_name=self.backend_name)
        if not self.process_all_queues:
            tasks = tasks.filter(queue_name__in=self.queue_names)
        if self.excluded_queue_names:
            tasks = tasks.exclude(queue_name__in=self.excluded_queue_names)
        return tasks

    def _next_task(self) -> tuple[DBTaskResult | None, bool]:
        """Take up abandoned tasks, claim the next one and beat, in one short transaction:
        (the task or None, whether the queue could be read)."""
        try:
            close_old_connections()
            with exclusive_transaction(DBTaskResult.objects.db):
                take_up_abandoned()
                task_result = self._queue().get_locked()
                if task_result is not None:
                    task_result.claim(self.worker_id)
                self._beat(task_result)
        except DatabaseError as error:
            logger.error(
                "The worker could not read its queue (%s); it tries again in %s s.", error, self.interval
            )
            return None, False
        return task_result, True

    def _beat(self, task_result: DBTaskResult | None) -> None:
        """Record that this worker is alive (and which task it holds); at most every few seconds
        while idle, always when it claims a task."""
        if task_result is None and time.monotonic() - self.beaten_at < settings.WORKER_STALE_SECONDS / 4:
            return
        WorkerHeartbeat.objects.update_or_create(
            worker_id=self.worker_id,
            defaults={"seen_at": timezone.now(), "task_id": task_result.id if task_result else None},
        )
        self.beaten_at = time.monotonic()

    def _run(self, task_result: DBTaskResult) -> None:
        try:
            self.run_task(task_result)  # records success or failure itself
        except DatabaseError as error:
            # The result could not be recorded: the task stays RUNNING, held by nobody once this
            # worker's heartbeat moves on, and is taken up again.
            logger.error("Task id=%s: its result could not be recorded (%s).", task_result.id, error)
        self.beaten_at = 0.0  # the next look for a task says this worker's hands are free
