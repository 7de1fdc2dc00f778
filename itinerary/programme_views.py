"""Staff pages for the programme as a spreadsheet: export, template, upload → preview → confirm.

The upload is kept on the server (missionplanner/uploads.py) and its name travels from the preview
to the confirmation signed in the form; confirming reads it and plans it again, so what is saved is
checked against the database as it is then.
"""

from django import forms
from django.contrib import messages
from django.core import signing
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.views import View
from django.views.generic import FormView

from delegations.scoping import DelegationScopedMixin
from itinerary.programme import (
    CONTENT_TYPES,
    UnreadableFile,
    apply_import,
    changed_since,
    export_file,
    plan_import,
    read_spreadsheet,
    template_file,
    versions_of,
)
from missionplanner import uploads
from missionplanner.database import OwnTransactionsMixin, saved_since_read

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
SIGNED_FOR = 60 * 60  # seconds a preview may wait before its Import button is refused


class ProgrammeUploadForm(forms.Form):
    file = forms.FileField(label="Spreadsheet (.xlsx or .csv)")

    def read(self, content: bytes, filename: str):
        return read_spreadsheet(content=content, filename=filename)

    def clean_file(self):
        """What `read` makes of the upload; the file's bytes are kept as `self.content`."""
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError("The file is larger than 5 MB.")
        self.content = upload.read()
        try:
            return self.read(self.content, upload.name)
        except UnreadableFile as error:
            raise forms.ValidationError(str(error)) from None


def _salt(delegation) -> str:
    return f"programme-import:{delegation.pk}"


def _download(content: bytes, *, fmt: str, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return response


def _fmt(request) -> str:
    return "csv" if request.GET.get("format") == "csv" else "xlsx"


class ProgrammeView(OwnTransactionsMixin, DelegationScopedMixin, FormView):
    """GET: downloads and the upload form; POST: the preview of what importing the file does (it
    writes nothing, so reading the file holds no lock)."""

    template_name = "itinerary/programme.html"
    form_class = ProgrammeUploadForm

    def form_valid(self, form):
        headers, rows = form.cleaned_data["file"]
        plan = plan_import(delegation=self.delegation, headers=headers, rows=rows)
        upload = "" if plan.errors else uploads.keep(form.content)  # only a file that can be imported
        return _preview(self.request, self.delegation, plan, upload, self.request.FILES["file"].name)


def _preview(request, delegation, plan, upload, filename, changed=()):
    """The preview page; its Import button names the kept upload and when each item was last saved."""
    table = {"upload": upload, "filename": filename, "versions": versions_of(plan)}
    context = {
        "delegation": delegation,
        "form": ProgrammeUploadForm(),  # the upload has been read: offer an empty field for the next
        "plan": plan,
        "payload": signing.dumps(table, salt=_salt(delegation), compress=True),
        "filename": filename,
        "changed": changed,
    }
    return TemplateResponse(request, ProgrammeView.template_name, context)


class ProgrammeConfirmView(OwnTransactionsMixin, DelegationScopedMixin, View):
    """POST only: import the previewed table, all or nothing. The plan is made before the write
    transaction; inside it, an item saved by someone else meanwhile sends the user back to the
    preview."""

    def post(self, request, *args, **kwargs):
        try:
            table = signing.loads(
                request.POST.get("payload", ""), salt=_salt(self.delegation), max_age=SIGNED_FOR
            )
            content = uploads.kept(table["upload"])
            if content is None:  # imported already, or kept for too long
                raise signing.BadSignature
            headers, rows = read_spreadsheet(content=content, filename=table["filename"])
        except (signing.BadSignature, KeyError, TypeError, UnreadableFile):
            messages.error(
                request, "That preview has expired or is not from this mission: upload the file again."
            )
            return redirect("programme", self.delegation.slug)
        upload, filename = table["upload"], table["filename"]
        plan = plan_import(delegation=self.delegation, headers=headers, rows=rows)
        changed = changed_since(plan, table["versions"])
        if plan.errors or changed:  # the mission changed since the preview: show what the file does now
            return _preview(request, self.delegation, plan, upload, filename, changed)
        with transaction.atomic():
            stale = saved_since_read(row.item for row in plan.rows if row.changes)
            if not stale:
                apply_import(delegation=self.delegation, plan=plan)
        if stale:  # planned again, outside the transaction: the preview says what changed
            return self.post(request, *args, **kwargs)
        uploads.forget(upload)
        messages.success(
            request,
            f"Imported: {len(plan.new)} new, {len(plan.updated)} changed, {len(plan.unchanged)} unchanged. "
            "Delegates see the changes once you publish them.",
        )
        return redirect("schedule", self.delegation.slug)


class ProgrammeExportView(DelegationScopedMixin, View):
    def get(self, request, *args, **kwargs):
        fmt = _fmt(request)
        content = export_file(delegation=self.delegation, fmt=fmt)
        return _download(content, fmt=fmt, name=f"{self.delegation.slug}-programme")


class ProgrammeTemplateView(DelegationScopedMixin, View):
    def get(self, request, *args, **kwargs):
        fmt = _fmt(request)
        return _download(template_file(fmt=fmt), fmt=fmt, name="programme-template")
