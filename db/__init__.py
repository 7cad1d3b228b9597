"""Storage: the async engine and session scope, the models, their queries and the migrations."""

from db.engine import Database, DatabaseUnavailable

__all__ = ["Database", "DatabaseUnavailable"]
