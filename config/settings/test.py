"""The test suite: fast hashing, debug on, the same database choice as everywhere."""

import os

os.environ.setdefault("SECRET_KEY", "test-only-key-not-for-production-53d9a1")
os.environ.setdefault("DEBUG", "true")

from .base import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# Tests change the data and look at a page at once: every page asks whether the data changed (the second's grace
# for visitors is tested on its own, tests/reports/test_whole_responses.py).
PAGE_VERSION_SECONDS = 0

# Tests run without collectstatic (plain storage, the live server serves the apps' static files): WhiteNoise looks
# for STATIC_ROOT per request instead of warning at start-up that it is missing.
WHITENOISE_AUTOREFRESH = True
