"""The site's own settings with STATIC_ROOT from the environment, so that the test of
`scripts/dev.py serve` collects the static files into a folder of its own."""

import os
from pathlib import Path

from jsna.settings import *  # noqa: F403

STATIC_ROOT = Path(os.environ["STATIC_ROOT"])
