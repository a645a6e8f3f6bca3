"""Mutuality: an organizational relational-climate survey platform."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, g, has_request_context, request
from flask_babel import get_locale, gettext, ngettext
from flask_login import current_user
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.middleware.proxy_fix import ProxyFix

from app import cli, main
from app.admin.audit import bp as admin_audit_bp
from app.admin.emails import bp as admin_email_bp
from app.admin.instruments import bp as admin_instruments_bp
from app.admin.participants import bp as admin_participants_bp
from app.admin.schedule import bp as admin_schedule_bp
from app.admin.settings import bp as admin_settings_bp
from app.admin.survey_deletion import bp as admin_survey_deletion_bp
from app.admin.surveys import bp as admin_surveys_bp
from app.admin.users import bp as admin_users_bp
from app.admin.worker import bp as admin_worker_bp
from app.auth.models import role_name
from app.auth.passwords import use_fast_hashing
from app.auth.routes import bp as auth_bp
from app.auth.sessions import init_staff_sessions
from app.db import Session, make_engine
from app.errors import register_error_handlers
from app.extensions import babel, csrf, login_manager
from app.forms_base import URL_CONVERTERS
from app.health import bp as health_bp
from app.i18n import N_, UI_LANGUAGES, language_name, use_locale, use_translations
from app.log_privacy import install_token_filter
from app.plans.routes import bp as plans_bp
from app.reports.assets import bp as assets_bp
from app.reports.readers import receipt_readers
from app.reports.routes import bp as reports_bp
from app.results.routes import bp as results_bp
from app.security import init_security
from app.taking.routes import bp as taking_bp
from config import INSTANCE_DIR, Config, load_config


def create_app(config: str | Config | None = None, **overrides: Any) -> Flask:
    """Application factory: `config` is a configuration name, an instance, or None for
    `$MUTUALITY_CONFIG`; `overrides` replace single settings (tests)."""
    settings = config if isinstance(config, Config) else load_config(config)
    app = Flask(__name__, instance_path=str(INSTANCE_DIR))
    app.config.from_mapping(settings.as_mapping())
    app.config.update(overrides)
    if proxies := app.config.get("TRUSTED_PROXIES"):
        # The client's address and scheme as the proxies saw them (sign-in throttle, HSTS).
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)  # type: ignore[method-assign]
    register_extensions(app)
    app.url_map.converters.update(URL_CONVERTERS)
    register_blueprints(app)
    register_template_helpers(app)
    register_errorhandlers(app)
    register_commands(app)
    return app


def register_extensions(app: Flask) -> None:
    engine = make_engine(app.config["DATABASE_URL"], echo=app.config.get("SQL_ECHO", False))
    app.extensions["sqlalchemy_engine"] = engine
    Session.configure(bind=engine)
    use_fast_hashing(bool(app.config.get("PASSWORD_HASH_FAST")))

    @app.teardown_appcontext
    def remove_session(_exc: BaseException | None) -> None:
        Session.remove()

    csrf.init_app(app)
    init_security(app)
    babel.init_app(app, locale_selector=select_locale)
    use_translations(gettext, ngettext)
    use_locale(get_locale)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    # Flashed into the session, which holds plain strings: marked here, translated when
    # flashed (in the browser's language, nobody being signed in).
    login_manager.login_message = N_("Please sign in to see this page.")
    login_manager.localize_callback = gettext
    login_manager.session_protection = "strong"
    init_staff_sessions(app)

    logging.getLogger("app").setLevel(logging.INFO)
    install_token_filter()


def select_locale() -> str:
    """The page's language: on employee pages the survey's chosen language (`g.language`,
    set by the view); else the signed-in staff member's setting (StaffUser.language); else
    the browser's preference among the UI languages; else English."""
    chosen = g.get("language")
    if chosen:
        return str(chosen)
    if not has_request_context():  # the worker and the CLI: English unless force_locale says
        return "en"
    setting = _staff_language()
    if setting:
        return setting
    return request.accept_languages.best_match(UI_LANGUAGES) or "en"


def _staff_language() -> str | None:
    """The signed-in staff member's chosen UI language, if any. Reading who is signed in
    needs the database: while it cannot answer, the error page still gets a language (the
    browser's) rather than failing in turn."""
    try:
        user = current_user._get_current_object()
        if not user.is_authenticated:
            return None
        language = getattr(user, "language", None)
    except SQLAlchemyError:
        return None
    return language if language in UI_LANGUAGES else None


def register_template_helpers(app: Flask) -> None:
    @app.context_processor
    def helpers() -> dict[str, Any]:
        return {
            "ui_language": lambda: str(get_locale() or "en"),
            "language_name": language_name,
            "ui_languages": UI_LANGUAGES,
            "role_name": role_name,
            # Who reads what, for the privacy receipt (taking/_receipt.html).
            "receipt_readers": receipt_readers,
        }


def register_blueprints(app: Flask) -> None:
    app.register_blueprint(main.bp)
    app.register_blueprint(health_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(taking_bp)
    app.register_blueprint(reports_bp)
    app.register_blueprint(results_bp)
    app.register_blueprint(plans_bp)
    app.register_blueprint(assets_bp)
    app.register_blueprint(admin_instruments_bp)
    app.register_blueprint(admin_surveys_bp)
    app.register_blueprint(admin_email_bp)
    app.register_blueprint(admin_participants_bp)
    app.register_blueprint(admin_settings_bp)
    app.register_blueprint(admin_survey_deletion_bp)
    app.register_blueprint(admin_users_bp)
    app.register_blueprint(admin_audit_bp)
    app.register_blueprint(admin_schedule_bp)
    app.register_blueprint(admin_worker_bp)


def register_errorhandlers(app: Flask) -> None:
    register_error_handlers(app, session=Session)


def register_commands(app: Flask) -> None:
    cli.register(app)
