"""WSGI entry point for gunicorn: `gunicorn -c config/gunicorn.conf.py wsgi:app`."""

from lti_tool.startup import StartRefused
from lti_tool.wsgi_app import build_wsgi_app

try:
    app = build_wsgi_app()
except StartRefused as refusal:
    refusal.exit()  # the reasons on stderr, exit status 2: no traceback above them
