"""Forms of the instrument editor.

One form holds the JSON text, the file to import and every action (publish, preview,
load a file), so that whatever the admin does, the text they typed comes back with the
answer: a refused import or publish never loses the draft.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileAllowed, FileField, FileSize
from wtforms import (
    BooleanField,
    HiddenField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)

from app.forms_base import SafeForm
from app.instruments.models import CHANGELOG_MAX
from app.instruments.validation import MAX_BYTES


class EditorForm(SafeForm):
    """The draft (a JSON document) and what to do with it."""

    document = TextAreaField(
        _l("Instrument JSON"),
        description=_l(
            "The whole instrument as JSON (see instruments/README.md for the format). "
            "Nothing is stored until you publish."
        ),
        render_kw={"spellcheck": "false", "autocapitalize": "off", "autocomplete": "off"},
    )
    # The newest version when the editor was opened; publishing over a newer one asks first.
    base_version = HiddenField()
    overwrite = BooleanField(_l("Publish anyway, as the next version after the newer one"))
    upload = FileField(
        _l("Import a JSON file into the editor"),
        description=_l(
            "A .json file of at most 1 MB, UTF-8. It replaces the text in the editor; "
            "nothing is published until you press Publish."
        ),
        validators=[
            FileAllowed(["json"], _l("Choose a .json file.")),
            FileSize(
                max_size=MAX_BYTES,
                message=_l(
                    "The file is larger than 1 MB (1,048,576 bytes); an instrument "
                    "may be at most 1 MB."
                ),
            ),
        ],
    )
    load = SubmitField(_l("Load the file into the editor"))
    changelog = StringField(
        _l("What this version changes"),
        description=_l(
            "One line, kept with the version and shown in the versions list, e.g. "
            "“Reworded ea_1 for clarity”."
        ),
        render_kw={"maxlength": CHANGELOG_MAX},
    )
    # Publishing a version that stops a family's comparison with the published one asks first.
    accept_break = BooleanField(
        _l("Publish anyway: these indices will not be compared between waves on the two versions")
    )
    preview_lang = SelectField(_l("Preview language"), choices=[], validate_choice=False)
    preview = SubmitField(_l("Preview"))
    publish = SubmitField(_l("Publish"))
