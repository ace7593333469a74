"""gunicorn's settings for the site, shared by `scripts/dev.py serve`, the systemd unit and the
Procfile (each runs `gunicorn --config deploy/gunicorn.conf.py` from the project folder).

Set through the environment, or the project's `.env` (which the environment overrides):

    WEB_CONCURRENCY  worker processes (default: 2 per core plus one, at most 12)
    BIND             address to listen on (default: 127.0.0.1:8000, for a proxy in front)
"""

import multiprocessing
import os
from pathlib import Path

from dotenv import load_dotenv

if not os.environ.get("DJANGO_DOTENV_DISABLED"):
    load_dotenv(Path(__file__).resolve().parent.parent / ".env", override=False)

wsgi_app = "jsna.wsgi:application"

bind = [os.environ.get("BIND") or "127.0.0.1:8000"]

# Each worker is a whole Django process (about 80 MB): past a dozen, on one machine, more
# workers add memory and SQLite write contention rather than speed. Add machines instead.
workers = int(os.environ.get("WEB_CONCURRENCY") or min(2 * multiprocessing.cpu_count() + 1, 12))

# One line per request on stdout (journald or the platform collects it); errors on stderr.
accesslog = "-"
errorlog = "-"

# Imports and other long work run in the task worker, so a request that takes this long is
# stuck: gunicorn restarts its worker.
timeout = 30
# On a stop or restart, requests in flight get this long to finish.
graceful_timeout = 20

# gunicorn 27's control socket (`gunicornc`) is one path per user by default, which a second
# gunicorn on the machine (a test, another site) would fight over; the site does not use it.
control_socket_disable = True
