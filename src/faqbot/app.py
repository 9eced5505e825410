"""The Flask app factory."""
from __future__ import annotations

import logging
import os
from pathlib import Path

from flask import Flask

from .settings import DEFAULTS, resolve_path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
log = logging.getLogger("faqbot")


def create_app(test_config: dict | None = None) -> Flask:
    """Make the app: settings, the search engine on the live index, one blueprint per audience."""
    test_config = dict(test_config or {}) if test_config is not None else None
    instance = (test_config or {}).pop("INSTANCE_PATH", None) or os.environ.get(
        "FAQBOT_INSTANCE_PATH") or Path(os.getcwd()) / "instance"
    app = Flask(__name__, instance_relative_config=True, instance_path=str(Path(instance).resolve()),
                template_folder=str(PROJECT_ROOT / "templates"), static_folder=None)
    app.config.from_mapping(DEFAULTS)
    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)
    else:
        app.config.update(test_config)
    app.config.from_prefixed_env("FAQBOT")
    base = Path(os.getcwd())
    app.config["CONTENT_DIR"] = resolve_path(app.config["CONTENT_DIR"], base)
    app.config["INDEX_DIR"] = resolve_path(app.config["INDEX_DIR"], base)
    app.config["MAX_CONTENT_LENGTH"] = int(app.config["MAX_BODY_BYTES"])
    app.json.ensure_ascii = False
    app.json.sort_keys = False

    @app.template_filter("stand_date")
    def stand_date(value: str) -> str:
        year, month, day = str(value).split("-")
        return f"{day}.{month}.{year}"

    from .recovery import IndexRecovery
    from .search import SearchEngine
    recovery = IndexRecovery(app.config["CONTENT_DIR"], app.config["INDEX_DIR"])
    app.extensions["faqbot.recovery"] = recovery
    app.extensions["faqbot.engine"] = SearchEngine(
        app.config["INDEX_DIR"], on_missing=lambda error: recovery.start(str(error)),
        switch_in_background=True)

    from . import db, sessions
    # The instance folder holds the secret key and the database: for its owner only.
    Path(app.instance_path).mkdir(mode=0o700, parents=True, exist_ok=True)
    app.config["DATABASE_URL"] = app.config.get("DATABASE_URL") or db.default_url(Path(app.instance_path))
    db.upgrade(app.config["DATABASE_URL"])
    app.extensions["faqbot.db"] = db.get_engine(app.config["DATABASE_URL"])
    from .history import fail_interrupted_reindexes
    fail_interrupted_reindexes(app.extensions["faqbot.db"], app.config["INDEX_DIR"])
    from .questionlog import Writer
    app.extensions["faqbot.questionlog"] = Writer(app.extensions["faqbot.db"])
    sessions.init_app(app)

    from .web import api, chat, console, health, items, ratelimit, security
    security.init_app(app)
    api.init_app(app)
    for blueprint in (api.bp, health.bp, items.bp, chat.bp, console.bp):
        app.register_blueprint(blueprint)
    ratelimit.init_app(app, [api.bp, chat.bp])
    return app
