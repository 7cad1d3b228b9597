"""Benchmarks: `python -m bench` times the coalition bot against a bare bot in SimCord (see bench/__main__.py)."""
