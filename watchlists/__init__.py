"""Shipped with the package as `monitor.bundled_watchlists`: the embedded default watchlists."""
