"""Settings modules: ``production`` (the default), ``demo`` and ``test`` build on ``base``."""
