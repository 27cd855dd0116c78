"""Store bytes that arrived through the storage endpoint as one of the user's datasets."""

from __future__ import annotations

import hashlib
import os
import uuid

from avatar_server.dataset_header import read_columns
from avatar_server.errors import ApiError
from avatar_server.models import User
from avatar_server.resource_sets import ResourceSetError
from avatar_server.routes.datasets import store_dataset_row
from avatar_server.state import ServerState


def register_upload(state: ServerState, user_id: str, name: str, body: bytes) -> None:
    """Write ``body`` as dataset ``name`` (atomically) and record it with its columns.

    Raises:
        ApiError: 422 when the bytes are not a readable CSV or Parquet table.

    Example:
        >>> register_upload(state, user.id, "wbcd.csv", b"a,b\\n1,2\\n")  # doctest: +SKIP
    """
    folder = state.store.datasets_dir(user_id)
    temp = folder / f".upload-{uuid.uuid4().hex}.part"
    try:
        with temp.open("xb") as handle:
            handle.write(body)
            handle.flush()
            os.fsync(handle.fileno())
        try:
            columns = read_columns(temp, name)
        except ResourceSetError as exc:
            raise ApiError(422, exc.code, exc.detail) from exc
        state.store.save_dataset(user_id, name, temp)
    finally:
        temp.unlink(missing_ok=True)
    with state.sessions() as db:
        user = db.get(User, user_id)
        if user is None:
            raise ApiError(401, "not_authenticated", "The account no longer exists.")
        store_dataset_row(db, user, name, len(body), hashlib.sha256(body).hexdigest(), columns)
