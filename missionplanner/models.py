from django.db import models


class WorkerHeartbeat(models.Model):
    """When a task worker (`manage.py db_worker`) last showed it was alive, and the task in its hands.

    /healthz reads it, and a worker takes up the RUNNING tasks no live worker holds
    (missionplanner.worker).
    """

    worker_id = models.CharField(max_length=64, primary_key=True)
    seen_at = models.DateTimeField()
    task_id = models.UUIDField(null=True, blank=True, help_text="The task it is running, if any.")

    def __str__(self) -> str:
        return f"worker {self.worker_id} seen {self.seen_at:%Y-%m-%d %H:%M:%S}"
