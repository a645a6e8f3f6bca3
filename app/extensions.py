"""The Flask extensions, created unbound so that any module can import them; create_app()
binds them to the application (register_extensions)."""

from __future__ import annotations

from flask_babel import Babel
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect

csrf = CSRFProtect()
babel = Babel()
login_manager = LoginManager()
