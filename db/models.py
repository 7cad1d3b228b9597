"""Import every model module so that `SQLModel.metadata` describes the whole schema (for Alembic)."""

from __future__ import annotations

import importlib
import pkgutil

from sqlmodel import SQLModel

import db

_NOT_MODELS = {"engine", "migrate", "models", "types", "migrations"}


def load_all() -> type[SQLModel]:
    """Import each `db/<feature>.py` and return the class whose metadata holds every table."""
    for info in pkgutil.iter_modules(db.__path__):
        if info.name not in _NOT_MODELS and not info.name.startswith("_"):
            importlib.import_module(f"db.{info.name}")
    return SQLModel


metadata = load_all().metadata
