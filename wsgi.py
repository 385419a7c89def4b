"""Production entry point: `gunicorn wsgi:app`."""

from shopfloor import create_app

app = create_app()
