"""Run the same work in several threads at once, each with its own database connection."""

import threading
from concurrent.futures import ThreadPoolExecutor

from django.db import connection


def in_threads(count: int, work) -> list:
    """Start `work(n)` in `count` threads released together by a barrier; their results in order."""
    barrier = threading.Barrier(count)

    def run(n):
        try:
            barrier.wait(timeout=10)
            return work(n)
        finally:
            connection.close()  # each thread has its own connection; give it back

    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(run, range(count)))
