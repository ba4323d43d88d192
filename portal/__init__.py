"""The portal: a personal health space built for the people who need it most."""

import os

# Piccolo finds its engine and apps through this module; portal.core.db rebinds
# the engine at start so one process can serve (or test) any database.
os.environ.setdefault("PICCOLO_CONF", "portal.piccolo_conf")

__version__ = "0.1.0"
