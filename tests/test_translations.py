"""Every text a page or an email shows goes through the catalogs, the Spanish catalog covers
every marked string with the same placeholders, and the compiled file matches it.

The template checker reads each template as Jinja's lexer sees it: the text outside Jinja
tags and outside `{% trans %}` blocks must hold no words (HTML tags stripped, the visible
attributes read), and string literals inside Jinja tags that read like prose must be the
argument of a translation function. It fails listing template:line:text.
"""

from __future__ import annotations

import re
import tokenize
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from flask import Flask

from tests.conftest import ROOT

CATALOG = ROOT / "app" / "translations" / "es" / "LC_MESSAGES"
TEMPLATES = ROOT / "app" / "templates"
METHOD_MAP = [
    ("**.py", "python"),
    ("templates/**.html", "jinja2"),
    ("templates/**.txt", "jinja2"),
]
# As `make translations` and /tmp/i18n/merge.py extract (babel's defaults include these).
KEYWORDS = {
    "_": None,
    "gettext": None,
    "_l": None,
    "lazy_gettext": None,
    "ngettext": (1, 2),
    "N_": None,
}

# Text that is the same in every language.
ALLOWED = {"Mutuality"}
# Attributes whose value a reader sees or hears (`value` only on buttons: see below).
VISIBLE_ATTRIBUTES = {"title", "aria-label", "alt", "placeholder"}
BUTTON_INPUTS = {"submit", "button", "reset"}
# A private-use character stands where a Jinja tag or expression was in the text.
HOLE = "\ue000"
LETTER = re.compile(r"[^\W\d_]")
# Calls whose string arguments are translated (or are the translation's variables).
TRANSLATING = {"_", "gettext", "ngettext", "_l", "lazy_gettext", "N_", "pgettext"}
# A literal that reads like prose: a capitalised word, or two words.
PROSE = re.compile(r"\b[A-Z][a-z]+\b|\b[^\W\d_]{2,}\s+[^\W\d_]{2,}\b")
FORMAT_CODE = re.compile(r"%(\([a-z_]+\))?[-#0-9.]*[a-zA-Z]|\{[^}]*\}")


def _per_language(name: str) -> bool:
    """An email template written in one language with a sibling in another (the employee's
    invitation.es.txt, ...): those are written in their language, not through catalogs."""
    if not name.startswith("email/") or not name.endswith(".txt"):
        return False
    stem, _dot, _rest = name.rpartition(".")  # email/invitation.en, txt
    base, _dot, language = stem.rpartition(".")
    if len(language) != 2:
        return False
    siblings = list((TEMPLATES / "email").glob(Path(base).name + ".*.txt"))
    return len(siblings) > 1


class _VisibleText(HTMLParser):
    """Collects (line, text) of what an HTML page shows: text outside script and style,
    and the visible attributes."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[int, str]] = []
        self._hidden_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in {"script", "style"}:
            self._hidden_depth += 1
        values = dict(attrs)
        line = self.getpos()[0]
        for name, value in attrs:
            if value is None:
                continue
            shown = name in VISIBLE_ATTRIBUTES or (
                name == "value" and tag == "input" and values.get("type") in BUTTON_INPUTS
            )
            if shown:
                self.found.append((line, value))

    def handle_endtag(self, tag: str) -> None:
        if tag in {"script", "style"} and self._hidden_depth:
            self._hidden_depth -= 1

    def handle_data(self, data: str) -> None:
        if not self._hidden_depth:
            first = self.getpos()[0]
            self.found.extend((first + n, part) for n, part in enumerate(data.split("\n")))


def _outside_jinja(app: Flask, name: str, source: str) -> tuple[str, list[tuple[int, str]]]:
    """The template's text with every Jinja tag, expression and comment replaced by HOLE
    (keeping its line breaks) and every `{% trans %}` block's content dropped; and the
    prose-like string literals inside Jinja tags that no translation function receives."""
    text: list[str] = []
    literals: list[tuple[int, str]] = []
    in_trans = False
    tag: list[tuple[str, str]] = []  # the tokens of the tag being read
    calls: list[bool] = []  # per open parenthesis: a translation function's arguments?
    for line, kind, value in app.jinja_env.lex(source, name):
        if kind in {"block_begin", "variable_begin", "comment_begin"}:
            tag, calls = [], []
            text.append(HOLE)
        elif kind in {"block_end", "variable_end", "comment_end"}:
            names = [v for k, v in tag if k == "name"]
            # A trans block's text is the catalog's; so is, in effect, the page's language
            # code that a `{% block lang %}` holds (no text a reader sees).
            if names[:1] == ["trans"] or names[:2] == ["block", "lang"]:
                in_trans = True
            elif names[:1] in (["endtrans"], ["pluralize"], ["endblock"]):
                in_trans = names[0] == "pluralize"
            text.append(HOLE)
        elif kind == "data":
            if in_trans:
                text.append("\n" * value.count("\n"))
            else:
                text.append(value)
        else:
            text.append("\n" * str(value).count("\n"))
            if (kind, value) == ("operator", "("):
                previous = tag[-1] if tag else ("", "")
                calls.append(previous[0] == "name" and previous[1] in TRANSLATING)
            elif (kind, value) == ("operator", ")") and calls:
                calls.pop()
            elif kind == "string" and not any(calls) and not in_trans:
                value = value[1:-1]  # the lexer's raw text, quotes included
                words = FORMAT_CODE.sub("", value)
                if PROSE.search(words) and words.strip() not in ALLOWED:
                    literals.append((line, value))
            if kind not in {"whitespace"}:
                tag.append((kind, str(value)))
    return "".join(text), literals


# A macro's fragment of a tag (` style="{{ css }}"`): attributes, not text.
ATTRIBUTES_ONLY = re.compile(r'^\s*([\w:-]+="[^"<>]*"\s*)+$')


def _has_words(text: str) -> bool:
    if ATTRIBUTES_ONLY.match(text.replace(HOLE, "")):
        return False
    remaining = text.replace(HOLE, " ")
    for allowed in ALLOWED:
        remaining = remaining.replace(allowed, " ")
    return bool(LETTER.search(remaining))


def untranslated_text(app: Flask, name: str, source: str) -> Iterator[str]:
    """`template:line:text` for each text of the template that shows outside the catalogs."""
    text, literals = _outside_jinja(app, name, source)
    if name.endswith(".txt"):
        # The outbox reads the first line's "Subject:" as the header's name.
        text = re.sub(f"^[\\s{HOLE}]*Subject:", "", text)
        found = list(enumerate(text.splitlines(), 1))
    else:
        parser = _VisibleText()
        parser.feed(text)
        parser.close()
        found = parser.found
    for line, shown in found:
        if _has_words(shown):
            shown = re.sub(f"{HOLE}+", "…", " ".join(shown.split()))
            yield f"{name}:{line}: {shown}"
    for line, literal in literals:
        yield f"{name}:{line}: {literal!r} (a literal in a Jinja tag)"


def _templates() -> list[str]:
    return sorted(
        str(path.relative_to(TEMPLATES))
        for path in TEMPLATES.rglob("*")
        if path.suffix in {".html", ".txt"} and not _per_language(str(path.relative_to(TEMPLATES)))
    )


def test_every_template_text_goes_through_the_catalogs(app: Flask) -> None:
    problems = [
        problem
        for name in _templates()
        for problem in untranslated_text(app, name, (TEMPLATES / name).read_text("utf-8"))
    ]
    assert not problems, "text outside _() / {% trans %}:\n" + "\n".join(problems)


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("<p>{{ _('Hello') }}</p>", []),
        ("<p>{% trans n=2 %}%(n)s items{% endtrans %}</p>", []),
        (
            "<p>{% trans count=n %}One{% pluralize %}%(num)s many{% endtrans %}</p>",
            [],
        ),
        ("<p>Hello {{ name }}</p>", ["t.html:1: Hello …"]),
        ("<p>\n{{ x }}\n<b>Bye</b></p>", ["t.html:3: Bye"]),
        ('<a title="Open it" href="{{ u }}">{{ _("Open") }}</a>', ["t.html:1: Open it"]),
        ('<img alt="{{ _(\'A chart\') }}" src="x.png">', []),
        ('<input type="submit" value="Save">', ["t.html:1: Save"]),
        ('<option value="admin">{{ _("Admin") }}</option>', []),
        ("<style>body { color: red }</style><script>let x = 1;</script>", []),
        ("<title>{% block title %}Mutuality{% endblock %} · Mutuality</title>", []),
        ("{# a comment #}<!-- a comment -->", []),
        ('{% block lang %}en{% endblock %}{% macro s(c) %} style="{{ c }}"{% endmacro %}', []),
        ("{% if f.type == 'RadioField' %}{{ x(style='border:0;border-top:1px solid #ccc') }}", []),
        (
            '{% set caption = "Open surveys" %}',
            ["t.html:1: 'Open surveys' (a literal in a Jinja tag)"],
        ),
        ("{{ url_for('reports.index') }} {{ d.strftime('%d %B %Y') }}", []),
        ("{{ ngettext('%(num)d survey', '%(num)d surveys', n) }}", []),
        ("{{ table(_('Surveys'), [_('Title'), _('State')]) }}", []),
    ],
)
def test_the_checker_finds_untranslated_text(app: Flask, source: str, expected: list[str]) -> None:
    assert list(untranslated_text(app, "t.html", source)) == expected


def test_the_checker_reads_plain_text_emails(app: Flask) -> None:
    source = "Subject: {{ _('Results') }}\n\nDear {{ name }},\n{% trans %}Bye{% endtrans %}\n"
    assert list(untranslated_text(app, "email/x.txt", source)) == ["email/x.txt:3: Dear …,"]


# --- the catalog ---------------------------------------------------------------------------


# A literal translated inside an f-string: babel's extraction does not look in there.
CALL_IN_FSTRING = re.compile(r"\{[^{}]*\b(_|_l|gettext|ngettext|lazy_gettext|N_)\(\s*[rR]?['\"]")


def test_no_message_is_translated_inside_an_f_string() -> None:
    found = []
    for path in sorted((ROOT / "app").rglob("*.py")):
        with path.open("rb") as handle:
            for token in tokenize.tokenize(handle.readline):
                if (
                    token.type == tokenize.STRING
                    and re.match(r"^[rRbB]?[fF]", token.string)
                    and CALL_IN_FSTRING.search(token.string)
                ):
                    found.append(f"{path.relative_to(ROOT)}:{token.start[0]}")
    assert not found, "move these messages out of their f-string (not extracted): " + str(found)


def _marked_strings() -> set[str]:
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(ROOT / "app"), METHOD_MAP, keywords=KEYWORDS
    ):
        found.add(message if isinstance(message, str) else message[0])
    return found


def _catalog(path: Path, reader: object) -> dict[str, object]:
    """{msgid (a plural's singular): its translation} of the translated messages."""
    with path.open("rb") as handle:
        catalog = reader(handle)  # type: ignore[operator]
    found: dict[str, object] = {}
    for m in catalog:
        if not m.id or m.fuzzy:
            continue
        string = m.string if isinstance(m.string, str) else tuple(m.string)
        if string and (isinstance(string, str) or all(string)):
            found[m.id if isinstance(m.id, str) else m.id[0]] = string
    return found


def _messages(path: Path) -> dict[object, object]:
    with path.open("rb") as handle:
        return {m.id: m.string for m in read_po(handle) if m.id and not m.fuzzy}


def test_every_marked_string_has_a_spanish_translation() -> None:
    marked = _marked_strings()
    assert "Submit my answers" in marked  # the extraction found the templates
    assert "Please sign in to see this page." in marked  # and N_
    translated = set(_catalog(CATALOG / "messages.po", read_po))
    missing = sorted(marked - translated)
    assert not missing, f"untranslated: {missing}"


PLACEHOLDER = re.compile(r"%\(([a-z_0-9]+)\)[-#0-9.]*[sdfr]|%[sdf]")


def _placeholders(text: str) -> list[str]:
    return sorted(m.group(0) for m in PLACEHOLDER.finditer(text))


def test_translations_keep_the_placeholders() -> None:
    wrong = []
    for msgid, msgstr in _messages(CATALOG / "messages.po").items():
        ids = [msgid] if isinstance(msgid, str) else list(msgid)
        strings = [msgstr] if isinstance(msgstr, str) else list(msgstr)  # type: ignore[call-overload]
        expected = set().union(*(_placeholders(i) for i in ids))
        for string in strings:
            if not string:
                continue
            got = set(_placeholders(string))
            # A plural's singular may say "one" instead of its number.
            if got != expected and not (len(ids) > 1 and got < expected):
                wrong.append(f"{ids[0]!r}: {sorted(expected)} != {sorted(got)} in {string!r}")
    assert not wrong, "placeholders differ:\n" + "\n".join(wrong)


def test_compiled_catalog_matches_the_source() -> None:
    po = _catalog(CATALOG / "messages.po", read_po)
    mo = _catalog(CATALOG / "messages.mo", read_mo)
    # (The compiled file also holds untranslated plurals, as their English forms.)
    assert {key: mo.get(key) for key in po} == po, (
        "run: .venv/bin/pybabel compile -d app/translations"
    )
