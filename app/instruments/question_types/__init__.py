"""The question-type registry: how each kind of question is checked in an instrument file,
becomes a form field, turns a submitted value into a stored one, and is summarized.

One module per type (likert.py, single_choice.py, open_text.py), each a subclass of
`QuestionType` decorated with `@register`; base.py holds the base classes and the
registry. Every module of this package is imported here, so a new type's module is all
the registry needs (instruments/README.md, "Adding a question type", lists the other
files). Types are stateless: every method receives the question it works on.
"""

import importlib
import pkgutil

from app.instruments.question_types.base import (
    MESSAGES,
    PREFER_NOT_VALUE,
    ChoiceQuestionType,
    ChoiceSummary,
    FieldWording,
    Question,
    QuestionType,
    StoredValue,
    Summary,
    TextSummary,
    field_messages,
    get_question_type,
    register,
    registered_types,
)

for _module in pkgutil.iter_modules(__path__):
    importlib.import_module(f"{__name__}.{_module.name}")

__all__ = [
    "MESSAGES",
    "PREFER_NOT_VALUE",
    "ChoiceQuestionType",
    "ChoiceSummary",
    "FieldWording",
    "Question",
    "QuestionType",
    "StoredValue",
    "Summary",
    "TextSummary",
    "field_messages",
    "get_question_type",
    "register",
    "registered_types",
]
