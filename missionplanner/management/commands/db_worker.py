"""`manage.py db_worker`: django-tasks-db's command, running missionplanner.worker's Worker, which
survives database errors, records a heartbeat and takes up tasks a dead worker left running.

It takes the place of the library's command of the same name (this app comes before it in
INSTALLED_APPS). --reload is off by default: under Django's autoreloader the worker no longer stops
gracefully on SIGTERM (the task in hand is cut off).
"""

import os

from django.utils.autoreload import DJANGO_AUTORELOAD_ENV, run_with_reloader
from django_tasks_db.management.commands import db_worker

from missionplanner.worker import Worker


class Command(db_worker.Command):
    def add_arguments(self, parser) -> None:
        super().add_arguments(parser)
        parser.set_defaults(reload=False)

    def handle(self, *, verbosity, queue_name, exclude_queues, reload, **options) -> None:
        self.configure_logging(verbosity)
        if reload and options["batch"]:
            reload = False
        queue_names = queue_name.split(",")
        excluded = exclude_queues.split(",") if exclude_queues else []
        if excluded and "*" not in queue_names:
            raise db_worker.CommandError("--exclude-queues can only be used with --queue-name=*")
        worker = Worker(
            queue_names=queue_names,
            excluded_queue_names=excluded,
            **{
                name: options[name]
                for name in ("interval", "batch", "backend_name", "startup_delay", "max_tasks", "worker_id")
            },
        )
        if reload:
            if os.environ.get(DJANGO_AUTORELOAD_ENV) == "true":
                worker.configure_signals()
            run_with_reloader(worker.run)
        else:
            worker.configure_signals()
            worker.run()
