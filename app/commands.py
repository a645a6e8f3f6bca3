"""What every feature's `flask` commands share (each feature keeps its commands in its own
commands.py; app/cli.py registers them). Imports no feature.

Commands are thin: parse arguments, call a service, commit, print. A DomainError becomes a
clear message on stderr and exit status 1.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import ParamSpec, TypeVar

import click

from app.db import Session
from app.errors import DomainError

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
