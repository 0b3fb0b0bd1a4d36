"""Throwaway databases on the test PostgreSQL, through psql."""

from __future__ import annotations

import contextlib
import subprocess
from typing import Iterator
from urllib.parse import urlsplit, urlunsplit


def with_database(dsn: str, database: str) -> str:
    parts = urlsplit(dsn)
    return urlunsplit((parts.scheme, parts.netloc, "/" + database, parts.query, parts.fragment))


def psql(dsn: str, sql: str) -> None:
    subprocess.run(["psql", dsn, "-v", "ON_ERROR_STOP=1", "-qc", sql], check=True, capture_output=True, text=True, timeout=60)


@contextlib.contextmanager
def scratch_database(base_dsn: str, name: str) -> Iterator[str]:
    psql(base_dsn, f'DROP DATABASE IF EXISTS "{name}"')
    psql(base_dsn, f'CREATE DATABASE "{name}"')
    try:
        yield with_database(base_dsn, name)
    finally:
        psql(base_dsn, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
