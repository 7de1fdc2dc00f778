"""Background work for publishing, through the Django tasks API (the `django-tasks` backport).

The backend is a setting (`TASKS`): the database backend by default (`manage.py db_worker` runs
it; `make run` starts one), RQ on Redis to scale, the immediate backend in most tests.
"""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from django_tasks import task


def enqueue_later(task_, delay: timedelta, **kwargs) -> None:
    """Run `task_` after `delay` where the backend can wait; at once where it cannot (immediate)."""
    if task_.get_backend().supports_defer:
        task_.using(run_after=timezone.now() + delay).enqueue(**kwargs)
    else:
        task_.enqueue(**kwargs)


@task(takes_context=True)
def send_notice(context, notice_id: int) -> str:
    """Send a notice once; the task's id marks the attempt, so this task run again after its worker
    died sees its own attempt and does not send twice (publishing.notices.notice_send)."""
    from publishing.notices import notice_send

    return notice_send(notice_id, attempt=str(context.task_result.id))


@task()
def notify_after_quiet_spell(delegation_id: int, number: int) -> str:
    """Notices for automatic releases, once no later release has come in the meantime."""
    from publishing.models import Release
    from publishing.notices import notices_create

    latest = Release.objects.filter(delegation_id=delegation_id).order_by("-number").first()
    if latest is None or latest.number != number:
        return "a later release will send them"
    if latest.noticed:
        return "already sent"
    return f"{len(notices_create(latest))} notices"
