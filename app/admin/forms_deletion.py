"""The form that deletes a whole survey: the admin types its exact title."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import StringField
from wtforms.validators import InputRequired, Length

from app.forms_base import SafeForm


class DeleteSurveyForm(SafeForm):
    title = StringField(
        _l("The survey's title"),
        validators=[
            InputRequired(message=_l("Type the survey's title to delete it.")),
            Length(max=200, message=_l("No survey's title is that long.")),
        ],
        description=_l("Type the title exactly as it is shown above, to say which survey goes."),
    )
