"""``ClientConfig`` (the 0.3.3 dataclass) and the process-wide configuration that
:func:`faramesh.configure` sets for the functional API."""

from __future__ import annotations

import os
import warnings
from dataclasses import dataclass
from typing import Callable, Optional
from urllib.parse import urlparse

from ._core import DEFAULT_BASE_URL

RequestStartHook = Callable[[str, str], None]
RequestEndHook = Callable[[str, str, int, float], None]
ErrorHook = Callable[[Exception], None]


def _env_float(name: str) -> Optional[float]:
    value = os.environ.get(name)
    if not value:
        return None
    try:
        return float(value)
    except ValueError:
        return None


@dataclass
class ClientConfig:
    """Configuration of the functional API (fields and defaults of ``faramesh-sdk`` 0.3.3)."""

    base_url: str = DEFAULT_BASE_URL
    agent_id: str = "default-agent"
    token: Optional[str] = None
    timeout: float = 30.0
    max_retries: int = 3
    retry_backoff_factor: float = 0.5
    on_request_start: Optional[RequestStartHook] = None
    on_request_end: Optional[RequestEndHook] = None
    on_error: Optional[ErrorHook] = None
    fail_open: bool = False

    def __post_init__(self) -> None:
        self.base_url = self.base_url.rstrip("/")
        if not self.token:
            self.token = os.getenv("FARAMESH_TOKEN") or os.getenv("FARA_AUTH_TOKEN")
        if self.base_url == DEFAULT_BASE_URL:
            env_url = os.getenv("FARAMESH_BASE_URL") or os.getenv("FARA_API_BASE")
            if env_url:
                self.base_url = env_url.rstrip("/")
        parsed = urlparse(self.base_url)
        if parsed.scheme == "http" and parsed.hostname not in ("127.0.0.1", "localhost", "::1"):
            warnings.warn(
                f"Faramesh base_url uses plain HTTP with a non-loopback host ({parsed.hostname}); "
                "use https:// to protect decisions and tokens in transit.",
                stacklevel=3,
            )
        env_retries = os.getenv("FARAMESH_RETRIES")
        if self.max_retries == 3 and env_retries:
            try:
                self.max_retries = int(env_retries)
            except ValueError:
                pass
        env_backoff = _env_float("FARAMESH_RETRY_BACKOFF")
        if self.retry_backoff_factor == 0.5 and env_backoff is not None:
            self.retry_backoff_factor = env_backoff


GovernorConfig = ClientConfig

_global: Optional[ClientConfig] = None


def current() -> Optional[ClientConfig]:
    return _global


def set_current(config: Optional[ClientConfig]) -> None:
    global _global
    _global = config
