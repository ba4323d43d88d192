"""Piccolo's configuration module (named by PICCOLO_CONF).

``DB`` starts as the engine the environment describes; ``portal.core.db.bind_engine``
replaces it when the application or a test chooses another.
"""

from piccolo.conf.apps import AppRegistry
from piccolo.engine.base import Engine

from portal.core.db import engine_for
from portal.settings import Settings

DB: Engine = engine_for(Settings.from_env())

APP_REGISTRY = AppRegistry(apps=["portal.piccolo_app"])
