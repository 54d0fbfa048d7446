"""gunicorn settings for `sroflow serve --workers N` (decision 0007); the address, workers
and threads come on gunicorn's command line from webui/cli.py.

The master only forks and watches: each worker builds its own app, engine and database
connections after the fork (`preload_app` stays off), so no SQLite connection or
SQLAlchemy pool crosses a fork.
"""

# A thread pool per worker, as waitress has: keep-alive connections, and a slow client
# holds one thread rather than the whole process.
worker_class = "gthread"
preload_app = False
graceful_timeout = 10  # seconds a worker gets to finish its requests on SIGTERM
# gunicorn's runtime control socket lives in $HOME, shared by every instance: not wanted.
control_socket_disable = True
# Proxy headers are trusted only as the app's SROFLOW_TRUST_PROXY_HEADERS says, as under
# waitress; gunicorn would otherwise trust X-Forwarded-Proto from 127.0.0.1.
forwarded_allow_ips = ""
proc_name = "sroflow"


WORKER_READY = "sroflow: worker ready"  # logged by each worker; bench/web.py waits for them


def post_worker_init(worker) -> None:
    """In each worker, once its app is built: warm it up and freeze start-up objects."""
    from webui.startup import get_ready

    get_ready(worker.wsgi)
    worker.log.info("%s (pid %s)", WORKER_READY, worker.pid)
