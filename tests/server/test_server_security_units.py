"""Unit checks of the security building blocks (hashing, secrets, names, limiter)."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import pytest
from argon2 import PasswordHasher

from avatar_server.rate_limit import FailureLimiter
from avatar_server.storage import DataStore, InvalidNameError, atomic_write_bytes, check_name
from avatar_server.tokens import (
    AccessTokenCodec,
    api_key_id,
    load_or_create_jwt_secret,
    new_api_key,
    sha256_hex,
)


def test_production_password_hashes_are_argon2id() -> None:
    encoded = PasswordHasher().hash("a long passphrase")
    assert encoded.startswith("$argon2id$")
    assert "m=65536" in encoded


def test_jwt_secret_is_created_once_with_0600(tmp_path: Path) -> None:
    path = tmp_path / "jwt_secret"
    first = load_or_create_jwt_secret(path)
    assert len(first) >= 64
    assert path.stat().st_mode & 0o777 == 0o600
    assert load_or_create_jwt_secret(path) == first


def test_access_tokens_expire() -> None:
    codec = AccessTokenCodec(b"k" * 64, timedelta(seconds=-1))
    assert codec.decode(codec.issue("u")) is None
    assert AccessTokenCodec(b"k" * 64, timedelta(minutes=1)).decode("a.b.c") is None


def test_api_keys_carry_a_public_id_and_are_hashed() -> None:
    key_id, key = new_api_key()
    assert api_key_id(key) == key_id
    assert sha256_hex(key) != key
    assert len(sha256_hex(key)) == 64
    for malformed in ("", "nodot", "avk_x.", "other_1.secret", "avk_" + "x" * 40 + ".s"):
        assert api_key_id(malformed) is None


@pytest.mark.parametrize(
    "name", ["..", "../x", "a/b", ".hidden", "a..b", "", "x" * 129, "a\x00b", "a b", "é.csv"]
)
def test_unsafe_names_are_rejected(name: str) -> None:
    with pytest.raises(InvalidNameError):
        check_name(name)


def test_paths_stay_in_the_users_folder(tmp_path: Path) -> None:
    store = DataStore(tmp_path)
    user = "00000000-0000-0000-0000-000000000001"
    path = store.dataset_path(user, "wbcd.csv")
    assert path.parent == tmp_path.resolve() / "users" / user / "datasets"
    with pytest.raises(InvalidNameError):
        store.dataset_path("../other", "wbcd.csv")
    with pytest.raises(InvalidNameError):
        store.results_dir(user, "../../etc")


def test_atomic_write_leaves_no_temporary_file(tmp_path: Path) -> None:
    target = tmp_path / "a" / "file.json"
    atomic_write_bytes(target, b"one")
    atomic_write_bytes(target, b"two", mode=0o600)
    assert target.read_bytes() == b"two"
    assert os.listdir(target.parent) == ["file.json"]


def test_failure_limiter_blocks_then_resets() -> None:
    limiter = FailureLimiter(max_failures=2, window_seconds=60)
    limiter.record_failure("k")
    assert limiter.retry_after("k") == 0
    limiter.record_failure("k")
    assert 0 < limiter.retry_after("k") <= 60
    assert limiter.retry_after("other") == 0
    limiter.reset("k")
    assert limiter.retry_after("k") == 0
