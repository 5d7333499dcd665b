"""Domain errors, each with its HTTP status and error code; one handler in app.py shapes them."""

from __future__ import annotations


class CardswapError(Exception):
    """Base error: `status`, a snake_case `code`, a human `message`, an optional `field` path."""

    status = 400
    code = "bad_request"
    headers: dict[str, str] | None = None  # extra response headers (WWW-Authenticate, ...)

    def __init__(self, message: str, field: str | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        if code:
            self.code = code

    def as_json(self) -> dict[str, object]:
        """The contract's error body."""
        body: dict[str, object] = {"code": self.code, "message": self.message}
        if self.field:
            body["field"] = self.field
        return {"error": body}


class Malformed(CardswapError):
    status = 400
    code = "malformed"


class InvalidCursor(CardswapError):
    status = 400
    code = "invalid_cursor"


class Unauthorized(CardswapError):
    status = 401
    code = "unauthorized"


class BasicAuthRequired(Unauthorized):
    """No or wrong HTTP Basic credentials (CardDAV app passwords): asks the client for them."""

    headers = {"WWW-Authenticate": 'Basic realm="cardswap"'}


class Forbidden(CardswapError):
    status = 403
    code = "forbidden"


class NotFound(CardswapError):
    status = 404
    code = "not_found"


class Conflict(CardswapError):
    status = 409
    code = "conflict"


class TooLarge(CardswapError):
    status = 413
    code = "too_large"


class UnsupportedMediaType(CardswapError):
    status = 415
    code = "unsupported_media_type"


class InvalidField(CardswapError):
    status = 422
    code = "invalid_field"


class RateLimited(CardswapError):
    status = 429
    code = "rate_limited"

    def __init__(self, message: str, retry_after: int = 1) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class Busy(CardswapError):
    """The database kept reporting conflicts with concurrent writes: nothing was saved; the
    client sends the same request again (a sync's ops are idempotent)."""

    status = 503
    code = "busy"


class NotAnImage(InvalidField):
    """Bytes that do not decode as a whole JPEG, PNG or WebP image."""

    code = "not_an_image"


class TooManyPixels(InvalidField):
    """An image with more pixels than the server decodes (a decompression bomb, or a huge one)."""

    code = "too_many_pixels"
