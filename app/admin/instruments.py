"""The instrument editor (admins only): instruments and their versions, a draft edited as
JSON, previews exactly as employees see them, diffs between versions, import and export.

Drafts are never stored on the server: the draft is the text in the editor. Publishing
POSTs the whole text; it is validated by the same validator as `flask instruments
validate`, and only a valid document becomes the next (immutable) version. Whatever is
refused, the page comes back with the text exactly as it was submitted.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import (
    Blueprint,
    Response,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import refresh as refresh_locale
from flask_login import current_user
from sqlalchemy.exc import IntegrityError
from werkzeug.datastructures import FileStorage

from app.admin.forms import EditorForm
from app.audit.services import record_event
from app.auth.decorators import role_required
from app.auth.models import Role
from app.db import Session
from app.errors import DomainError, NotFound
from app.input_rules import text_problem
from app.instruments.diff import (
    FamilyComparability,
    dimension_comparability,
    family_comparability,
    rewordings,
)
from app.instruments.document import InstrumentDocument, content_sha256
from app.instruments.drafts import (
    STARTER_DOCUMENT,
    Problem,
    check_draft,
    draft_languages,
    locate_errors,
    normalize_newlines,
    pretty_json,
)
from app.instruments.models import Instrument, InstrumentVersion
from app.instruments.queries import (
    diff_between,
    document_of,
    instrument_by_key,
    instrument_overview,
    newest_version,
    surveys_by_version,
    used_question_keys,
    version_number,
    versions_of,
)
from app.instruments.services import checked_changelog, publish_instrument_version
from app.instruments.validation import MAX_BYTES, validate_instrument_text
from app.taking.forms import response_form_class
from app.taking.pages import render_survey_page

bp = Blueprint("admin_instruments", __name__, url_prefix="/admin/instruments")

# A 1 MB document grows when url-encoded (quotes, colons, accents...), and an import posts
# the draft and the file together: the editor's requests may be larger than the app's
# default limits. Set per request, before CSRFProtect reads the form (URL value
# preprocessors run before the before_request functions).
EDITOR_REQUEST_LIMIT = 4 * MAX_BYTES

PREVIEW_REFUSED = _l("This is a preview: answers are not recorded, and nothing was sent anywhere.")

# The thresholds a new survey gets (app.surveys.services.create_survey); the preview
# fills the privacy text's placeholders with them.
PREVIEW_K_SCORES = 5
PREVIEW_K_COMMENTS = 10


@bp.url_value_preprocessor
def _allow_whole_documents(_endpoint: str | None, _values: dict[str, Any] | None) -> None:
    request.max_content_length = EDITOR_REQUEST_LIMIT
    request.max_form_memory_size = EDITOR_REQUEST_LIMIT


# --- reads ---------------------------------------------------------------------------------


def _instrument_or_404(key: str) -> Instrument:
    instrument = instrument_by_key(key)
    if instrument is None:
        raise NotFound(_("There is no instrument with the key '%(key)s'.", key=key))
    return instrument


def _version_or_404(instrument: Instrument, number: int) -> InstrumentVersion:
    version = version_number(instrument, number)
    if version is None:
        raise NotFound(
            _("Instrument '%(key)s' has no version %(number)s.", key=instrument.key, number=number)
        )
    return version


def _reader_language(document: InstrumentDocument) -> str:
    """The document's language closest to the reader's interface language."""
    return document.resolve_language(str(get_locale() or "en"))


def _version_arg(name: str, default: int) -> int:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    if not (raw.isascii() and raw.isdigit() and len(raw) < 10):
        raise NotFound(_("There is no version '%(version)s'.", version=raw))
    return int(raw)


# --- list, versions, export ----------------------------------------------------------------


@bp.get("/")
@role_required(Role.ADMIN)
def index() -> str:
    rows = instrument_overview()
    # The newest version's status (a parsed document is cached by its sha256).
    statuses = {
        instrument.id: document_of(version).metadata.status
        for instrument, latest, _count, _surveys in rows
        if (version := version_number(instrument, latest)) is not None
    }
    return render_template("admin/instruments/index.html", rows=rows, statuses=statuses)


@bp.get("/<key>/versions")
@role_required(Role.ADMIN)
def versions(key: str) -> str:
    instrument = _instrument_or_404(key)
    stored = versions_of(instrument)
    return render_template(
        "admin/instruments/versions.html",
        instrument=instrument,
        versions=list(reversed(stored)),
        surveys=surveys_by_version(v.id for v in stored),
        documents={v.id: document_of(v) for v in stored},
    )


@bp.get("/<key>/versions/<int:number>")
@role_required(Role.ADMIN)
def version(key: str, number: int) -> str:
    instrument = _instrument_or_404(key)
    stored = _version_or_404(instrument, number)
    latest = newest_version(instrument)
    document = document_of(stored)
    return render_template(
        "admin/instruments/version.html",
        instrument=instrument,
        version=stored,
        document=document,
        lang=_reader_language(document),
        surveys=surveys_by_version([stored.id]).get(stored.id, []),
        latest=latest,
        text=pretty_json(stored.document),
    )


@bp.get("/<key>/versions/<int:number>.json")
@role_required(Role.ADMIN)
def export(key: str, number: int) -> Response:
    instrument = _instrument_or_404(key)
    stored = _version_or_404(instrument, number)
    return Response(
        pretty_json(stored.document),
        content_type="application/json; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{instrument.key}-v{number}.json"'},
    )


# --- the editor ----------------------------------------------------------------------------


@bp.route("/new", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def new() -> ResponseReturnValue:
    return _editor(None)


@bp.route("/<key>/edit", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def edit(key: str) -> ResponseReturnValue:
    return _editor(_instrument_or_404(key))


def _editor(instrument: Instrument | None) -> ResponseReturnValue:
    form = EditorForm()
    if request.method == "GET":
        latest = newest_version(instrument) if instrument is not None else None
        source = latest
        if instrument is not None and latest is not None:
            source = _version_or_404(instrument, _version_arg("from", latest.version))
        form.document.data = pretty_json(source.document if source else STARTER_DOCUMENT)
        form.base_version.data = str(latest.version) if latest else ""
        return _render_editor(form, instrument, [], source=source)
    form.document.data = normalize_newlines(form.document.data or "")
    if form.load.data:
        return _import_file(form, instrument)
    return _publish(form, instrument)


def _import_file(form: EditorForm, instrument: Instrument | None) -> ResponseReturnValue:
    """Put an uploaded file's text in the editor (never published from here)."""
    upload = form.upload.data
    if not isinstance(upload, FileStorage) or not upload.filename:
        form.upload.errors = [_("Choose a .json file to import.")]
        return _render_editor(form, instrument, [], status=400)
    if not form.upload.validate(form):
        return _render_editor(form, instrument, [], status=400)
    raw = upload.stream.read(MAX_BYTES + 1)
    if len(raw) > MAX_BYTES:  # FileSize checked already; this bounds what is read
        form.upload.errors = [_("The file is larger than 1 MB; an instrument may be at most 1 MB.")]
        return _render_editor(form, instrument, [], status=400)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        # The validator says which byte, at which line and column.
        form.upload.errors = [validate_instrument_text(raw).errors[0].message]
        return _render_editor(form, instrument, [], status=400)
    form.document.data = normalize_newlines(text.removeprefix("\ufeff"))
    _result, problems = check_draft(form.document.data, _editing(instrument))
    flash(
        _(
            "%(name)s is in the editor. Nothing is published until you press Publish.",
            name=upload.filename,
        ),
        "info",
    )
    return _render_editor(form, instrument, problems)


def _editing(instrument: Instrument | None) -> str | None:
    return instrument.key if instrument is not None else None


def _publish(form: EditorForm, instrument: Instrument | None) -> ResponseReturnValue:
    text = form.document.data
    result, problems = check_draft(text, _editing(instrument))
    if problems or result.data is None:
        return _render_editor(form, instrument, problems, status=400)
    latest = newest_version(instrument) if instrument is not None else None
    if latest is not None:
        base = form.base_version.data or ""
        if base != str(latest.version) and not form.overwrite.data:
            return _render_editor(form, instrument, [], status=409, conflict=(base, latest.version))
    try:
        changelog = checked_changelog(form.changelog.data)
    except DomainError as exc:
        form.changelog.errors = [exc.message]
        return _render_editor(form, instrument, [], status=400)
    if latest is not None and result.document is not None and not form.accept_break.data:
        breaks = broken_families(document_of(latest), result.document)
        if breaks:
            return _render_editor(form, instrument, [], status=409, breaks=breaks)
    try:
        outcome = publish_instrument_version(result.data, changelog)
        stored = outcome.version
        key = result.data["key"]
        if outcome.created:
            record_event(
                current_user, "instrument.publish", "instrument", key, version=stored.version
            )
        Session.commit()
    except IntegrityError:
        Session.rollback()
        form.document.errors = [
            _(
                "Another version was published at the same moment; nothing of yours was "
                "stored. Check the versions list, then publish again."
            )
        ]
        return _render_editor(form, instrument, [], status=409)
    if outcome.created:
        flash(
            _("Published version %(number)s of %(key)s.", number=stored.version, key=key), "success"
        )
    else:
        flash(
            _(
                "Nothing was published: the text is identical to version %(number)s, which is "
                "already stored. No new version was made.",
                number=stored.version,
            ),
            "info",
        )
    return redirect(url_for(".version", key=key, number=stored.version))


def _render_editor(
    form: EditorForm,
    instrument: Instrument | None,
    problems: list[Problem],
    *,
    status: int = 200,
    source: InstrumentVersion | None = None,
    conflict: tuple[str, int] | None = None,
    breaks: list[FamilyComparability] | None = None,
) -> ResponseReturnValue:
    latest = newest_version(instrument) if instrument is not None else None
    if problems:
        count = len(problems)
        form.document.errors = [
            ngettext(
                "The instrument has %(num)s problem, listed below the editor with its line "
                "number. Nothing was published.",
                "The instrument has %(num)s problems, listed below the editor with their line "
                "numbers. Nothing was published.",
                count,
            )
        ]
    text = form.document.data or ""
    languages = draft_languages(text, document_of(latest) if latest else None)
    form.preview_lang.choices = [(code, code) for code in languages]
    if form.preview_lang.data not in languages:
        form.preview_lang.data = languages[0]
    page = render_template(
        "admin/instruments/editor.html",
        form=form,
        instrument=instrument,
        latest=latest,
        source=source,
        problems=problems,
        conflict=conflict,
        breaks=breaks or [],
        used_keys=used_question_keys(instrument),
    )
    return page, status


def broken_families(
    published: InstrumentDocument, draft: InstrumentDocument
) -> list[FamilyComparability]:
    """The published version's families the draft would stop comparing across waves
    (app.instruments.diff.family_comparability, the rule the reports use)."""
    found = family_comparability(published, draft)
    return [found[f.key] for f in published.families if not found[f.key].comparable]


@bp.post("/validate")
@role_required(Role.ADMIN)
def validate() -> Response:
    """Check a draft as you type: a JSON body {"text": ..., "instrument": key or ""} (or the
    editor's form fields); the answer is {ok, errors: [{pointer, message, line, column}]}."""
    payload = request.get_json(silent=True)
    if isinstance(payload, dict):
        text, editing = payload.get("text"), payload.get("instrument")
    else:
        text, editing = request.form.get("document"), request.form.get("instrument")
    if not isinstance(text, str):
        raise DomainError(_("Send the instrument's text as 'text' (JSON) or 'document' (form)."))
    if isinstance(editing, str) and (problem := text_problem(editing, "The instrument key")):
        raise DomainError(problem)
    _result, problems = check_draft(
        normalize_newlines(text), editing if isinstance(editing, str) and editing else None
    )
    return jsonify(ok=not problems, errors=[p.as_dict() for p in problems])


# --- previews ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _PreviewSurvey:
    """What the survey template reads of a survey."""

    id: str = "preview"
    k_scores: int = PREVIEW_K_SCORES
    k_comments: int = PREVIEW_K_COMMENTS


def _render_preview(
    document: InstrumentDocument,
    sha256: str,
    requested: str | None,
    *,
    back_url: str | None,
    version: InstrumentVersion | None,
) -> str:
    language = document.resolve_language(requested)
    g.language = language
    refresh_locale()
    form = response_form_class(sha256, document, language)(formdata=None, lang=language)
    return render_survey_page(
        form,
        document,
        _PreviewSurvey(),
        language,
        template="admin/instruments/preview.html",
        back_url=back_url,
        version=version,
    )


@bp.route("/<key>/versions/<int:number>/preview", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def preview(key: str, number: int) -> str:
    """A stored version exactly as employees see it; its form's POST comes back here and
    is refused."""
    instrument = _instrument_or_404(key)
    stored = _version_or_404(instrument, number)
    if request.method == "POST":
        raise DomainError(str(PREVIEW_REFUSED))
    return _render_preview(
        document_of(stored),
        stored.sha256,
        request.args.get("lang"),
        back_url=url_for(".version", key=instrument.key, number=stored.version),
        version=stored,
    )


@bp.post("/preview")
@role_required(Role.ADMIN)
def preview_draft() -> ResponseReturnValue:
    """The editor's unsaved text as employees would see it (the editor's Preview button)."""
    if "document" not in request.form:  # the preview's own survey form was submitted
        raise DomainError(str(PREVIEW_REFUSED))
    form = EditorForm()
    text = normalize_newlines(form.document.data or "")
    result = validate_instrument_text(text)
    if result.data is None or result.document is None:
        problems = locate_errors(text, result.errors)
        return render_template("admin/instruments/preview_errors.html", problems=problems), 400
    return _render_preview(
        result.document,
        content_sha256(result.data),
        form.preview_lang.data,
        back_url=None,
        version=None,
    )


# --- diff ----------------------------------------------------------------------------------


@bp.get("/<key>/diff")
@role_required(Role.ADMIN)
def diff(key: str) -> str:
    instrument = _instrument_or_404(key)
    stored = versions_of(instrument)
    if not stored:
        raise NotFound(_("Instrument '%(key)s' has no versions.", key=instrument.key))
    newest = stored[-1].version
    default_from = stored[-2].version if len(stored) > 1 else newest
    old = _version_or_404(instrument, _version_arg("from", default_from))
    new = _version_or_404(instrument, _version_arg("to", newest))
    old_doc, new_doc = document_of(old), document_of(new)
    changes = diff_between(old, new)
    # The newer version's reasons explain its changes from the version it names; between
    # other versions they would explain a different set of changes, so they are left out.
    revision = new_doc.metadata.revision
    reasons = dict(revision.reasons) if revision and revision.from_version == old.version else {}
    return render_template(
        "admin/instruments/diff.html",
        instrument=instrument,
        versions=stored,
        old=old,
        new=new,
        old_doc=old_doc,
        new_doc=new_doc,
        old_lang=_reader_language(old_doc),
        new_lang=_reader_language(new_doc),
        changes=changes,
        rewordings=rewordings(changes, old_doc, new_doc),
        reasons=reasons,
        revision=revision,
        families=_comparability_rows(
            family_comparability(old_doc, new_doc), old_doc, new_doc, "family"
        ),
        dimensions=_comparability_rows(
            dimension_comparability(old_doc, new_doc), old_doc, new_doc, "dimension"
        ),
    )


@dataclass(frozen=True)
class ComparabilityRow:
    """A family or dimension on the diff page: its label and whether it stays comparable."""

    key: str
    label: str
    comparable: bool
    reason: str


def _comparability_rows(
    found: dict[str, FamilyComparability],
    old_doc: InstrumentDocument,
    new_doc: InstrumentDocument,
    kind: str,
) -> list[ComparabilityRow]:
    rows = []
    for key, verdict in found.items():
        # The newer version's label where it has the key, else the older one's.
        document = new_doc if key in _keys(new_doc, kind) else old_doc
        entry = document.family(key) if kind == "family" else document.dimension(key)
        rows.append(
            ComparabilityRow(
                key=key,
                label=document.text(entry.label, _reader_language(document)),
                comparable=verdict.comparable,
                reason=verdict.reason,
            )
        )
    return rows


def _keys(document: InstrumentDocument, kind: str) -> set[str]:
    entries = document.families if kind == "family" else document.dimensions
    return {entry.key for entry in entries}
