"""The built-in mailer: messages become JSON files in the data folder's outbox."""

from __future__ import annotations

import logging
import uuid
from datetime import UTC, datetime
from pathlib import Path

from avatar_server.storage import atomic_write_json

logger = logging.getLogger("avatar_server")


class OutboxMailer:
    """Writes each message to ``<outbox>/<timestamp>-<id>.json`` (mode 0600) and logs where.

    Example:
        >>> import tempfile
        >>> path = OutboxMailer(Path(tempfile.mkdtemp())).send("a@b.c", "Hi", "body")
        >>> path.suffix
        '.json'
    """

    def __init__(self, outbox: Path) -> None:
        self.outbox = outbox

    def send(self, to: str, subject: str, body: str) -> Path:
        """Deliver one message; never logs its content."""
        now = datetime.now(UTC)
        path = self.outbox / f"{now:%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}.json"
        atomic_write_json(
            path,
            {"to": to, "subject": subject, "body": body, "sent_at": now.isoformat()},
            mode=0o600,
        )
        logger.info("mail for a user written to %s", path)
        return path
