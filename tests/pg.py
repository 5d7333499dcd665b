"""The test PostgreSQL server (scripts/test starts a throwaway one): one fresh schema per test.

`CARDSWAP_TEST_PG_URL` names the server. A test on the PostgreSQL engine gets a URL whose
`search_path` is a schema of its own, created empty and dropped afterwards, so tests (and the
several server processes of one test) never see each other's rows. Without the variable the
PostgreSQL tests fail in CI and are skipped elsewhere (a bare `pytest` run on a laptop).
"""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlencode

import psycopg
import pytest

PG_URL_VARIABLE = "CARDSWAP_TEST_PG_URL"


def server_url() -> str:
    """The test server's URL; fails in CI and skips elsewhere when there is none."""
    url = os.environ.get(PG_URL_VARIABLE, "")
    if not url:
        message = f"{PG_URL_VARIABLE} is not set: scripts/test starts a throwaway PostgreSQL"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return url


def with_schema(url: str, schema: str) -> str:
    """`url` whose connections use `schema` first (the libpq `options` parameter)."""
    # By hand, not urlunsplit: that drops the empty host of `postgresql:///db?host=/socket/dir`.
    separator = "&" if "?" in url else "?"
    return f"{url}{separator}{urlencode({'options': f'-csearch_path={schema}'})}"


def create_schema() -> tuple[str, str]:
    """(schema name, URL that uses it): a fresh, empty schema on the test server."""
    url = server_url()
    schema = f"t_{uuid.uuid4().hex[:16]}"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    return schema, with_schema(url, schema)


def drop_schema(schema: str) -> None:
    with psycopg.connect(server_url(), autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")


@contextmanager
def temporary_database(engine: str) -> Iterator[str]:
    """CARDSWAP_DB of a fresh, empty database of `engine` for the length of the block (for
    property tests that make a new world per example, outside pytest's fixtures)."""
    if engine == "sqlite":
        with tempfile.TemporaryDirectory() as folder:
            yield str(Path(folder) / "cardswap.db")
        return
    schema, url = create_schema()
    try:
        yield url
    finally:
        drop_schema(schema)
