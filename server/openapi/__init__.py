"""The API described as OpenAPI 3.1: `spec` assembles the paths (document.py) over the contract's
shapes (schemas.py)."""

from server.openapi.document import spec

__all__ = ["spec"]
