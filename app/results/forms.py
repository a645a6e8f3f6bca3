"""The employee-summary page's two buttons (CSRF only: publishing and issuing a link take no
input)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import SubmitField

from app.forms_base import SafeForm


class PublishSummaryForm(SafeForm):
    submit = SubmitField(_l("Publish the summary for employees"))


class ResultsLinkForm(SafeForm):
    submit = SubmitField(_l("Create a new results link"))
