"""Alembic migrations, shipped inside the package as `monitor.migrations`."""
