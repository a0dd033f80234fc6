"""Border monitor: news about the Qa'im–Bukamal border, matched against watchlists."""

__version__ = "0.1.0"
