"""The site's own settings, for `benchmarks.load`, with the benchmark's URLs: the site's plus
the trivial view every page is measured against (`benchmarks.urls`). Everything else, DEBUG
off included, comes from the environment as in production."""

from jsna.settings import *  # noqa: F403

ROOT_URLCONF = "benchmarks.urls"
