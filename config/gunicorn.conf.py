"""gunicorn settings, from environment variables (EMM_BIND, EMM_WORKERS, EMM_THREADS)."""

import os

from config.settings import Settings

# The address and production as the app itself reads them (EMM_BIND, empty meaning the
# default; EMM_ENV in any capitalisation, an unknown value stopping gunicorn here with the
# list of allowed ones), so the public URL that follows the bind is the one gunicorn serves.
_settings = Settings.from_env()
bind = _settings.bind
_production = _settings.is_production
# Otherwise one process: the demo platform keeps its state in memory, and SQLite has one
# writer at a time anyway. In production, processes rather than threads:
# threads of one worker share its GIL, so a save waits behind a start in the same process
# (bench/README.md: 4 workers x 2 threads cut p99 at 200 learners from 482 to 56 ms
# against 2 x 4 on two cores).
workers = int(os.environ.get("EMM_WORKERS", str(2 * (os.cpu_count() or 1)) if _production else "1"))
# Threads: a worker waiting on a platform (JWKS, registration) must not block the others.
worker_class = "gthread"
threads = int(os.environ.get("EMM_THREADS", "2" if _production else "4"))
timeout = 30
graceful_timeout = 20
accesslog = os.environ.get("EMM_ACCESS_LOG", "-")
# Never log request bodies or query strings with tokens: gunicorn's default format logs the
# request line, which carries `?lt=` launch tokens; log the path only.
access_log_format = '%(h)s "%(m)s %(U)s" %(s)s %(b)s %(M)sms'
# ... and the path without a registration invite in it.
logger_class = "lti_tool.observability.access_log.TokenFreeAccessLog"
forwarded_allow_ips = os.environ.get("EMM_FORWARDED_ALLOW_IPS", "127.0.0.1")
# No control socket (gunicorn >= 25.1), for every way of starting the service: nothing here
# uses `gunicornc`; compose, Kubernetes and systemd manage the master with signals. The socket
# would be one more way to add, remove or stop workers, and its default path is one per user
# ($XDG_RUNTIME_DIR or ~/.gunicorn/gunicorn.ctl): a second master of the same user (the
# multinode tests' nodes, a blue-green pair on one host) unlinks the first's and takes it over,
# and in the image $HOME is read-only, so it only logs a warning at start.
control_socket_disable = True
if _settings.logs_json:
    # JSON lines (EMM_LOG_JSON, on in production): gunicorn's own messages too; its access
    # line is silenced there, as the app logs each request with its request id.
    from lti_tool.observability.logs import gunicorn_logconfig

    logconfig_dict = gunicorn_logconfig()


def on_starting(server):
    """Unsafe production settings stop the master, before any worker, with the reasons alone
    (exit status 2); a refusal in each worker would only be retried."""
    from lti_tool.startup import refuse_unsafe_start

    refuse_unsafe_start()
    # Metrics of all workers in one place, empty at start (lti_tool.observability).
    from lti_tool.observability.gunicorn_hooks import prepare_metrics_dir

    prepare_metrics_dir()


def post_worker_init(worker):
    """Start the embedded grade worker inside each app worker when the settings ask for it."""
    from lti_tool.wsgi_app import start_background_work

    start_background_work(worker.wsgi)


def child_exit(server, worker):
    from lti_tool.observability.gunicorn_hooks import worker_exited

    worker_exited(worker.pid)


def on_exit(server):
    from lti_tool.observability.gunicorn_hooks import remove_own_metrics_dir

    remove_own_metrics_dir()
