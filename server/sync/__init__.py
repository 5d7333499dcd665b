"""Sync: a device's ops checked without the database (ops.py), applied in one write with the
merge rules (apply.py, merge.py), and the change feed read in the same transaction."""
