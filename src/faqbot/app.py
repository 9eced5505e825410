"""The Flask app factory."""
from __future__ import annotations

import logging
from pathlib import Path

from flask import Flask

from . import settings

log = logging.getLogger("faqbot")


def create_app(test_config: dict | None = None) -> Flask:
    """Make the app: settings, the search engine on the live index, one blueprint per audience.

    ``test_config`` holds explicit settings (a test's, or the options of ``faqbot serve``);
    they override instance/config.py and the environment (see ``faqbot.settings``). The
    database must be migrated (``faqbot db upgrade``): the app checks, it does not migrate.
    """
    config = settings.resolve(test_config)
    app = Flask(__name__, instance_relative_config=True, instance_path=str(config["INSTANCE_PATH"]),
                template_folder="templates", static_folder=None)
    app.config.update(config)
    app.config["MAX_CONTENT_LENGTH"] = int(app.config["MAX_BODY_BYTES"])
    app.json.ensure_ascii = False
    app.json.sort_keys = False

    @app.template_filter("stand_date")
    def stand_date(value: str) -> str:
        year, month, day = str(value).split("-")
        return f"{day}.{month}.{year}"

    from . import db, sessions
    # The instance folder holds the secret key and the database: for its owner only.
    Path(app.instance_path).mkdir(mode=0o700, parents=True, exist_ok=True)
    database = db.get_engine(app.config["DATABASE_URL"])
    db.require_current(database)
    from .history import fail_interrupted_reindexes
    fail_interrupted_reindexes(database, app.config["INDEX_DIR"])

    from .recovery import IndexRecovery
    from .search import SearchEngine
    recovery = IndexRecovery(app.config["CONTENT_DIR"], app.config["INDEX_DIR"], database,
                             first_pause=app.config["RECOVERY_PAUSE"])
    search_engine = SearchEngine(
        app.config["INDEX_DIR"], on_missing=lambda error: recovery.start(str(error)),
        switch_in_background=True)

    from .feedback import FeedbackStore
    from .questionlog import writer_for
    from .publish import Follower
    from .services import KEY, Services
    writer = writer_for(database, vocabulary=lambda: search_engine.snapshot().lexicon.words)
    # One live generation for all servers: the follower builds the published one here, and a
    # lost index is rebuilt as that one; faqbot.server starts the follower's thread.
    follower = Follower(database, search_engine, app.config["CONTENT_DIR"], app.config["INDEX_DIR"],
                        interval=app.config["SYNC_INTERVAL"])
    recovery.plan = follower.plan_rebuild
    app.extensions[KEY] = Services(db=database, recovery=recovery, engine=search_engine,
                                   questionlog=writer, feedback=FeedbackStore(database, writer),
                                   follower=follower)
    sessions.init_app(app)

    from .web import api, assets, chat, console, errors, health, items, ratelimit, security
    security.init_app(app)
    api.init_app(app)
    errors.init_app(app)
    chat.init_app(app)
    assets.init_app(app)
    for blueprint in (api.bp, health.bp, items.bp, chat.bp, assets.bp, console.bp):
        app.register_blueprint(blueprint)
    ratelimit.init_app(app, [api.bp, chat.bp])
    return app
