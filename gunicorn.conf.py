"""gunicorn settings for `make serve` (``gunicorn -c gunicorn.conf.py app:server``).

Several worker processes, each with a few threads: DuckDB releases the GIL while a query runs,
so threads overlap queries, and processes overlap the Python work (layouts, figures) around
them. Each worker opens its own read-only connection on its first request (``dashboard.db``);
the app is loaded once in the master before forking (``preload_app``), which is safe because
creating the app opens no database, and it means every worker shares one copy of the code and
of anything made at import time. A rebuilt database is picked up by each worker on its next
request, without a restart.

Everything can be set from the environment: CITYTOOLS_HOST, CITYTOOLS_PORT (as `make run`),
WORKERS, THREADS, TIMEOUT.
"""

from __future__ import annotations

import os

bind = f"{os.environ.get('CITYTOOLS_HOST', '127.0.0.1')}:{os.environ.get('CITYTOOLS_PORT', '8050')}"
workers = int(os.environ.get("WORKERS", "4"))
worker_class = "gthread"
threads = int(os.environ.get("THREADS", "4"))
preload_app = True
# The slowest page on a million contracts takes about 8 s (data/bench.json); a worker silent
# for longer than this is restarted.
timeout = int(os.environ.get("TIMEOUT", "60"))
graceful_timeout = 30
keepalive = 5

# A view's whole state is in its query string (many boroughs or suppliers make a long line);
# 8190 is gunicorn's maximum. Bodies are capped by the app (dashboard.serving.MAX_BODY).
limit_request_line = 8190
limit_request_fields = 100
limit_request_field_size = 8190

accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("LOGLEVEL", "info")
# the request id (X-Request-ID, also on every error page) ties an access line to its traceback
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms id=%({x-request-id}o)s'
proc_name = "citytools"
# no gunicornc control socket: nothing here uses it, and two servers (make serve, a test, make
# loadtest) would otherwise fight over the one default path ($HOME/.gunicorn/gunicorn.ctl)
control_socket_disable = True


def post_fork(server, worker):
    """The app's log lines (a failed request's traceback and its id) go where gunicorn's errors go."""
    import logging

    error_log = logging.getLogger("gunicorn.error")
    app_log = logging.getLogger("dashboard")
    app_log.handlers = list(error_log.handlers)
    app_log.setLevel(error_log.level)
    app_log.propagate = False
