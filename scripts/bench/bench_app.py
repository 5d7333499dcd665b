"""The app as an import-string factory, for `uvicorn --factory bench_app:app --workers N`.

`cardswap serve` hands uvicorn an app object, which cannot be forked into workers; the workers
comparison in multi-worker mode builds the same app from the same CARDSWAP_* environment.
"""

from __future__ import annotations

from starlette.applications import Starlette

from server.app import create_app  # found through PYTHONPATH, set by _common.Server
from server.settings import Settings


def app() -> Starlette:
    return create_app(Settings.from_env())
