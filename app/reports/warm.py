"""A web worker made ready before its first request.

gunicorn's `post_worker_init` hook (gunicorn.conf.py) calls `prepare_worker` once the
application is loaded and before the worker accepts connections: it compiles every
template and decodes the latest release of the most recent surveys, the costs a worker
would otherwise put on the first reader of each page (compiling a report template takes
tens of milliseconds; decoding a release of 200 teams about as much). For the latest
releases of the `PREPARED_SURVEYS` most recent surveys it also decodes every section and
computes every cell's statistics at every level filter (about half a second each for
200 teams), so that a page's first read only draws.
"""

from __future__ import annotations

import gc

from flask import Flask
from sqlalchemy import func, select

from app.db import Session
from app.reports.models import Release
from app.reports.queries import MAX_CACHED_SNAPSHOTS, snapshot_of

PREPARED_SURVEYS = 4


def prepare_worker(app: Flask) -> int:
    """Compile the templates and decode the latest releases (as many as the process keeps);
    returns how many releases were decoded. An app that is not this product's (the
    submission benchmark's bare baseline, served with the same gunicorn settings) is left
    as it is."""
    if "sqlalchemy_engine" not in app.extensions:
        return 0
    for name in app.jinja_env.list_templates(extensions=["html", "txt"]):
        app.jinja_env.get_template(name)
    with app.app_context():
        latest = (
            select(func.max(Release.id))
            .group_by(Release.survey_id)
            .order_by(func.max(Release.id).desc())
            .limit(MAX_CACHED_SNAPSHOTS)
        )
        releases = list(
            Session.scalars(
                select(Release).where(Release.id.in_(latest)).order_by(Release.id.desc())
            )
        )
        for position, release in enumerate(releases):
            snapshot = snapshot_of(release)
            if position < PREPARED_SURVEYS:
                snapshot.prepare()
            else:
                snapshot.publication()
        Session.remove()
    return len(releases)


def ready_worker(app: Flask) -> int:
    """`prepare_worker`, then everything the process holds so far is moved out of the
    garbage collector's sight (gc.freeze): a full collection during a request then does not
    walk the prepared releases' objects (at 997,550 responses a filtered overview's first
    read took 277 ms instead of 39 ms when one ran). gunicorn.conf.py calls it once per
    worker."""
    prepared = prepare_worker(app)
    gc.collect()
    gc.freeze()
    return prepared
