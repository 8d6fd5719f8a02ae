"""WSGI entry point for gunicorn: `gunicorn -c config/gunicorn.conf.py wsgi:app`."""

from lti_tool.wsgi_app import build_wsgi_app

app = build_wsgi_app()
