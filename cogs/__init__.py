"""Features: one package per feature, each with `setup()` in its `__init__.py`."""
