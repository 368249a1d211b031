"""WSGI entry point for Stancemark."""

import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "annotator.settings")
application = get_wsgi_application()
# Import every view now, while the worker boots, rather than during its first request.
_views = get_resolver().url_patterns
