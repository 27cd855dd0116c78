"""Verification of AWS Signature Version 4 (header form), as S3 clients sign requests."""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl, quote

ALGORITHM = "AWS4-HMAC-SHA256"
MAX_CLOCK_SKEW = timedelta(minutes=15)
UNSIGNED = frozenset({"UNSIGNED-PAYLOAD", "STREAMING-UNSIGNED-PAYLOAD-TRAILER"})
_AUTHORIZATION = re.compile(
    r"^AWS4-HMAC-SHA256 Credential=([^/,\s]+)/(\d{8})/([^/,\s]+)/([^/,\s]+)/aws4_request,\s*"
    r"SignedHeaders=([a-z0-9;._-]+),\s*Signature=([0-9a-f]{64})$"
)


class SignatureError(Exception):
    """A request whose signature is missing, malformed, stale or wrong."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class VerifiedRequest:
    """Who signed a request and the payload hash they signed (hex, or an UNSIGNED marker)."""

    user_id: str
    payload_sha256: str


def _hmac(key: bytes, text: str) -> bytes:
    return hmac.new(key, text.encode(), hashlib.sha256).digest()


def _canonical_query(raw_query: str) -> str:
    pairs = parse_qsl(raw_query, keep_blank_values=True)
    encoded = sorted((quote(k, safe="-_.~"), quote(v, safe="-_.~")) for k, v in pairs)
    return "&".join(f"{k}={v}" for k, v in encoded)


def verify(
    method: str,
    raw_path: str,
    raw_query: str,
    headers: Mapping[str, str],
    resolve: Callable[[str], tuple[str, str] | None],
    now: datetime | None = None,
) -> VerifiedRequest:
    """Check the SigV4 ``Authorization`` header of a request; raise SignatureError if wrong.

    ``resolve`` maps an access key id to ``(user_id, secret)`` or ``None``.

    Example:
        >>> verify("GET", "/storage/b", "", {}, lambda key: None)
        Traceback (most recent call last):
        ...
        avatar_server.compat.sigv4.SignatureError: ...
    """
    match = _AUTHORIZATION.fullmatch(headers.get("authorization", "").strip())
    if match is None:
        raise SignatureError(
            "AccessDenied",
            "Sign storage requests with AWS Signature V4, using the credentials from "
            "GET /api/access.",
        )
    key_id, date, region, service, signed_names, signature = match.groups()
    resolved = resolve(key_id)
    if resolved is None:
        raise SignatureError(
            "InvalidAccessKeyId", "The access key is unknown or expired: ask /api/access again."
        )
    user_id, secret = resolved
    amz_date = headers.get("x-amz-date", "")
    try:
        stamp = datetime.strptime(amz_date, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    except ValueError as exc:
        raise SignatureError("AccessDenied", "x-amz-date is missing or malformed.") from exc
    if abs((now or datetime.now(UTC)) - stamp) > MAX_CLOCK_SKEW or not amz_date.startswith(date):
        raise SignatureError(
            "RequestTimeTooSkewed", "The request time differs from the server's by over 15 min."
        )
    names = signed_names.split(";")
    if "host" not in names:
        raise SignatureError("AccessDenied", "The signature must cover the host header.")
    payload = headers.get("x-amz-content-sha256", "")
    if not payload:
        raise SignatureError("AccessDenied", "x-amz-content-sha256 is required.")
    canonical_headers = "".join(
        f"{name}:{' '.join(headers.get(name, '').split())}\n" for name in names
    )
    canonical_request = "\n".join(
        [method, raw_path, _canonical_query(raw_query), canonical_headers, signed_names, payload]
    )
    scope = f"{date}/{region}/{service}/aws4_request"
    string_to_sign = "\n".join(
        [ALGORITHM, amz_date, scope, hashlib.sha256(canonical_request.encode()).hexdigest()]
    )
    key = _hmac(
        _hmac(_hmac(_hmac(("AWS4" + secret).encode(), date), region), service), "aws4_request"
    )
    expected = hmac.new(key, string_to_sign.encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, signature):
        raise SignatureError(
            "SignatureDoesNotMatch", "The request signature does not match its credentials."
        )
    return VerifiedRequest(user_id=user_id, payload_sha256=payload)
