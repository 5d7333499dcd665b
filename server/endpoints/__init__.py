"""Thin HTTP handlers grouped by area; each module exports `routes` for app.py's table."""
