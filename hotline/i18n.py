"""Locale choice: the person's pick, else the browser's preference, else Russian."""
from __future__ import annotations

from flask import Flask, current_app, has_request_context, request, session
from flask_babel import get_locale

LANGUAGES = ("ru", "en")  # the catalogues the hotline speaks; config.LANGUAGES lists the same
from flask_login import current_user


def select_locale() -> str:
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():  # CLI and jobs speak the default language
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    chosen = session.get("lang")
    if chosen in languages:
        return chosen
    if getattr(current_user, "is_authenticated", False) and current_user.language in languages:
        return current_user.language
    return request.accept_languages.best_match(languages) or current_app.config["BABEL_DEFAULT_LOCALE"]


def current_locale() -> str:
    """The locale the reader is being answered in, as a code ("ru", "en")."""
    return str(get_locale() or "ru")


def select_timezone() -> str:
    return current_app.config["HOTLINE_TIMEZONE"]


def init_app(app: Flask) -> None:
    @app.context_processor
    def inject_locale():
        return {"current_locale": current_locale()}
