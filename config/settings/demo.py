"""The local demo (``make demo``): debug on, a fixed key, the SQLite file by default."""

import os

os.environ.setdefault("SECRET_KEY", "demo-only-key-not-for-production-7c1f0e2a9b")
os.environ.setdefault("DEBUG", "true")
# Digests are printed, not sent (manage.py send_digests shows them).
os.environ.setdefault("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")

from .base import *  # noqa: E402,F403
