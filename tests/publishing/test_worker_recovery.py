"""The database task worker (`manage.py db_worker`, missionplanner/worker.py) as `make run` starts it,
in processes of its own on a SQLite file, with a real SMTP server that can hold its answer:

- SIGTERM in the middle of a send lets the send finish and the worker exit;
- a worker killed in the middle of a send leaves its task to be taken up again by the next worker,
  which sees the attempt recorded and does not send a second e-mail;
- a database locked longer than a write waits does not stop the worker: it runs the next task.

The database is a file of the test's own, so these run in the SQLite and PostgreSQL passes alike.
"""

import asyncio
import email
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from email import policy
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

from tests.publishing.test_workers import SUBJECT, _free_port

ROOT = Path(__file__).resolve().parents[2]
STALE_SECONDS = 2  # WORKER_STALE_SECONDS: a worker not seen this long is taken for dead

QUEUE_A_NOTICE = """
from publishing.release import release_publish
from tests.publishing.test_workers import _a_member_whose_meeting_moved
kim = _a_member_whose_meeting_moved()
release_publish(delegation=kim.delegation)  # the notice's send_notice task is queued
"""


class HeldInbox:
    """Keeps each message it is given; while `hold` is set, it answers DATA only once released."""

    def __init__(self):
        self.received: list[email.message.EmailMessage] = []
        self.hold = threading.Event()

    async def handle_DATA(self, server, session, envelope):
        self.received.append(email.message_from_bytes(envelope.content, policy=policy.default))
        while self.hold.is_set():
            await asyncio.sleep(0.05)
        return "250 Message accepted for delivery"


@pytest.fixture(scope="module")
def migrated(tmp_path_factory):
    """A migrated SQLite file, copied for each test."""
    database = tmp_path_factory.mktemp("template") / "db.sqlite3"
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, check=True,
        env={**os.environ, "DATABASE_URL": f"sqlite:///{database}"},
    )  # fmt: skip
    return database


class Setup:
    def __init__(self, database: Path, inbox: HeldInbox, port: int, logs: Path):
        self.database, self.inbox, self.logs = database, inbox, logs
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_EMAIL", "DATABASE_URL"))},
            "DATABASE_URL": f"sqlite:///{database}", "TASKS_BACKEND": "database", "DJANGO_DEBUG": "1",
            "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "DJANGO_EMAIL_HOST": "127.0.0.1", "DJANGO_EMAIL_PORT": str(port),
            "WORKER_STALE_SECONDS": str(STALE_SECONDS), "SQLITE_BUSY_TIMEOUT": "1",
        }  # fmt: skip
        self.workers = []

    def queue_a_notice(self) -> None:
        command = [sys.executable, "manage.py", "shell", "-v0", "-c", QUEUE_A_NOTICE]
        subprocess.run(command, cwd=ROOT, env=self.env, check=True, capture_output=True)

    def worker(self) -> subprocess.Popen:
        """`manage.py db_worker` with DEBUG on, as under make run (no --reload: the autoreloader's
        parent process would take SIGTERM and cut the task off), polling every 0.1 s."""
        log = self.logs / f"worker{len(self.workers)}.log"
        process = subprocess.Popen(
            [sys.executable, "manage.py", "db_worker", "--interval", "0.1"],
            cwd=ROOT, env=self.env, stdout=log.open("w"), stderr=subprocess.STDOUT,
        )  # fmt: skip
        process.log = log
        self.workers.append(process)
        return process

    def rows(self, sql: str) -> list[tuple]:
        with sqlite3.connect(self.database, timeout=10) as db:
            return db.execute(sql).fetchall()

    def notice(self) -> tuple:
        [row] = self.rows("SELECT status, attempts, send_attempt, last_error FROM publishing_notice")
        return row

    def tasks(self) -> list[tuple]:
        return self.rows("SELECT status, return_value, worker_ids FROM django_tasks_database_dbtaskresult")


def wait_for(condition, what: str, seconds: float = 60):
    """Until `condition()` holds: each check reads the state the processes leave."""
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"still waiting for {what}"
        time.sleep(0.05)


@pytest.fixture
def setup(migrated, tmp_path):
    database = tmp_path / "db.sqlite3"
    shutil.copy(migrated, database)
    inbox = HeldInbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    made = Setup(database, inbox, controller.port, tmp_path)
    yield made
    inbox.hold.clear()
    for process in made.workers:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)
    controller.stop()


def test_sigterm_in_the_middle_of_a_send_lets_it_finish_and_the_worker_exit(setup):
    setup.queue_a_notice()
    setup.inbox.hold.set()
    worker = setup.worker()
    wait_for(lambda: setup.inbox.received, "the message to reach the SMTP server")
    # Recorded before it left: the attempt (the task's id) and the try.
    status, attempts, attempt, _ = setup.notice()
    assert (status, attempts) == ("pending", 1) and attempt

    worker.send_signal(signal.SIGTERM)
    setup.inbox.hold.clear()  # the server answers 250 now
    assert worker.wait(timeout=30) == 0, worker.log.read_text()

    assert setup.notice() == ("sent", 1, "", "")
    assert [task[:2] for task in setup.tasks()] == [("SUCCESSFUL", '"sent"')]
    assert [message["Subject"] for message in setup.inbox.received] == [SUBJECT]


def test_a_worker_killed_mid_send_leaves_its_task_to_the_next_which_sends_no_second_email(setup):
    setup.queue_a_notice()
    setup.inbox.hold.set()
    first = setup.worker()
    wait_for(lambda: setup.inbox.received, "the message to reach the SMTP server")
    first.kill()  # SIGKILL: the message is with the server, its 250 never read, nothing recorded after
    first.wait(timeout=10)
    setup.inbox.hold.clear()
    assert setup.notice()[:2] == ("pending", 1)
    assert [task[0] for task in setup.tasks()] == ["RUNNING"]

    second = setup.worker()
    # Once the first worker has not been seen for WORKER_STALE_SECONDS, its task runs again.
    wait_for(lambda: setup.notice()[0] != "pending", "the task to be taken up again")

    status, attempts, attempt, error = setup.notice()
    assert (status, attempts, attempt) == ("failed", 1, "")
    assert error == (
        "The worker stopped while sending this notice: it may have arrived. "
        "Resend it if Kim Min-ji did not get it."
    )
    [(task_status, returned, worker_ids)] = setup.tasks()
    assert (task_status, returned) == ("SUCCESSFUL", '"interrupted"')
    assert len(set(eval(worker_ids))) == 2  # the same task, run by each worker in turn
    assert len(setup.inbox.received) == 1  # and one e-mail
    second.send_signal(signal.SIGTERM)
    assert second.wait(timeout=30) == 0
    assert "Took up again 1 task(s)" in second.log.read_text()


def test_the_worker_goes_on_after_the_database_stayed_locked_longer_than_it_waits(setup):
    worker = setup.worker()
    wait_for(
        lambda: setup.rows("SELECT count(*) FROM missionplanner_workerheartbeat") == [(1,)], "a heartbeat"
    )
    locker = sqlite3.connect(setup.database, isolation_level=None)
    locker.execute("BEGIN EXCLUSIVE")  # longer than the worker's 1 s wait for its own transaction
    try:
        wait_for(lambda: "database is locked" in worker.log.read_text(), "the worker to meet the lock")
    finally:
        locker.execute("ROLLBACK")
        locker.close()
    assert worker.poll() is None, worker.log.read_text()

    setup.queue_a_notice()
    wait_for(lambda: setup.notice()[0] == "sent", "the next task to run")
    assert [message["Subject"] for message in setup.inbox.received] == [SUBJECT]
    worker.send_signal(signal.SIGTERM)
    assert worker.wait(timeout=30) == 0
