"""``faramesh.sdk``: the class-based clients (``faramesh.sdk.client.ExecutionGovernorClient``)."""

from .client import ClientConfig, ExecutionGovernorClient

__all__ = ["ExecutionGovernorClient", "ClientConfig"]
