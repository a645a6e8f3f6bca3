"""What every feature's `flask` commands share (each feature keeps its commands in its own
commands.py; app/cli.py registers them). Imports no feature.

Commands are thin: parse arguments, call a service, commit, print. A DomainError becomes a
clear message on stderr and exit status 1. Text arguments are of type `TEXT`, the app's text
rule (app.input_rules) for the command line.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, ParamSpec, TypeVar

import click

from app.db import Session
from app.errors import DomainError
from app.input_rules import text_problem

P = ParamSpec("P")
R = TypeVar("R")


def domain_errors_exit(func: Callable[P, R]) -> Callable[P, R]:
    """Turn a DomainError into `Error: ...` and exit status 1, with nothing committed."""

    @wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except DomainError as exc:
            Session.rollback()
            raise click.ClickException(exc.message) from None

    return wrapper


class RuledText(click.ParamType[str]):
    """A text argument or option under the app's text rule: no control characters (a
    refusal names the parameter, exit status 2, like any other bad parameter)."""

    name = "text"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        text = str(value)
        label = f"'{param.opts[0] if param.opts else param.name}'" if param else "The value"
        problem = text_problem(text, label)
        if problem is not None:
            self.fail(problem, param, ctx)
        return text


TEXT = RuledText()
