"""Datasets: streamed upload, checksum, size limit, ranged download, names, isolation."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
from server_support import WBCD_CSV, ServerHarness, TestClient

CSV = b"a,b\n1,x\n2,y\n"


def _digest(data: bytes) -> str:
    return "sha-256=:" + base64.b64encode(hashlib.sha256(data).digest()).decode() + ":"


def _dataset_files(server: ServerHarness) -> list[Path]:
    users = server.settings.data_dir / "users"
    return sorted(p for p in users.rglob("*") if p.is_file() and "datasets" in p.parts)


def test_upload_list_get_download_delete(client_a: TestClient) -> None:
    data = WBCD_CSV.read_bytes()
    response = client_a.put(
        "/api/datasets/wbcd.csv", content=data, headers={"Content-Digest": _digest(data)}
    )
    assert response.status_code == 201
    body = response.json()
    assert body["name"] == "wbcd.csv"
    assert body["size"] == len(data)
    assert body["sha256"] == hashlib.sha256(data).hexdigest()
    assert client_a.get("/api/datasets").json()["datasets"] == [body]
    assert client_a.get("/api/datasets/wbcd.csv").json() == body
    download = client_a.get("/api/datasets/wbcd.csv/content")
    assert download.status_code == 200
    assert download.content == data
    assert download.headers["accept-ranges"] == "bytes"
    assert client_a.delete("/api/datasets/wbcd.csv").status_code == 204
    assert client_a.get("/api/datasets/wbcd.csv").status_code == 404
    assert client_a.get("/api/datasets").json() == {"datasets": []}


def test_streamed_chunked_upload_and_parquet(client_a: TestClient, tmp_path: Path) -> None:
    def chunks() -> Iterator[bytes]:
        yield b"a,b\n"
        yield b"1,2\n" * 1000

    assert client_a.put("/api/datasets/chunked.csv", content=chunks()).status_code == 201
    assert client_a.get("/api/datasets/chunked.csv").json()["size"] == 4 + 4000
    parquet = tmp_path / "t.parquet"
    pd.DataFrame({"x": [1, 2], "y": ["a", "b"]}).to_parquet(parquet)
    response = client_a.put("/api/datasets/t.parquet", content=parquet.read_bytes())
    assert response.status_code == 201


def test_digest_mismatch_keeps_the_previous_file(
    server: ServerHarness, client_a: TestClient
) -> None:
    assert client_a.put("/api/datasets/d.csv", content=CSV).status_code == 201
    other = b"a,b\n9,z\n"
    response = client_a.put(
        "/api/datasets/d.csv", content=other, headers={"Content-Digest": _digest(CSV)}
    )
    assert response.status_code == 400
    assert response.json()["code"] == "digest_mismatch"
    assert client_a.get("/api/datasets/d.csv/content").content == CSV
    assert [p.name for p in _dataset_files(server)] == ["d.csv"]
    bad_header = client_a.put(
        "/api/datasets/d.csv", content=other, headers={"Content-Digest": "md5=:abc:"}
    )
    assert bad_header.status_code == 400
    assert bad_header.json()["code"] == "unsupported_digest"


def test_upload_over_the_limit_is_413_and_leaves_nothing(tmp_path: Path) -> None:
    from server_support import started_server

    with started_server(tmp_path, max_upload_bytes=1000) as server:
        alice = server.user("alice")
        assert alice.put("/api/datasets/keep.csv", content=CSV).status_code == 201
        big = b"a,b\n" + b"1,2\n" * 400
        declared = alice.put("/api/datasets/keep.csv", content=big)
        assert declared.status_code == 413
        assert declared.json()["code"] == "dataset_too_large"

        def stream() -> Iterator[bytes]:  # no Content-Length: the limit applies while reading
            for _ in range(40):
                yield b"1,2\n" * 10

        streamed = alice.put("/api/datasets/new.csv", content=stream())
        assert streamed.status_code == 413
        assert [p.name for p in _dataset_files(server)] == ["keep.csv"]
        assert alice.get("/api/datasets/keep.csv/content").content == CSV
        assert alice.get("/api/datasets/new.csv").status_code == 404


def test_range_downloads(client_a: TestClient) -> None:
    data = WBCD_CSV.read_bytes()
    client_a.put("/api/datasets/wbcd.csv", content=data)
    url = "/api/datasets/wbcd.csv/content"
    first = client_a.get(url, headers={"Range": "bytes=0-9"})
    assert first.status_code == 206
    assert first.content == data[:10]
    assert first.headers["content-range"] == f"bytes 0-9/{len(data)}"
    tail = client_a.get(url, headers={"Range": "bytes=-5"})
    assert tail.content == data[-5:]
    rest = client_a.get(url, headers={"Range": f"bytes={len(data) - 3}-"})
    assert rest.content == data[-3:]
    beyond = client_a.get(url, headers={"Range": f"bytes={len(data)}-"})
    assert beyond.status_code == 416
    assert beyond.headers["content-range"] == f"bytes */{len(data)}"
    assert beyond.json()["code"] == "range_not_satisfiable"
    ignored = client_a.get(url, headers={"Range": "items=1-2"})
    assert ignored.status_code == 200
    assert ignored.content == data


def test_bad_names_and_bad_files_are_4xx(client_a: TestClient) -> None:
    for name in ("..", ".hidden", "a..b", "a%2Fb", "x" * 200, "%00x", "a b"):
        response = client_a.put(f"/api/datasets/{name}", content=CSV)
        assert response.status_code in (404, 422), name
        if response.status_code == 422:
            assert response.json()["code"] == "invalid_name"
    empty = client_a.put("/api/datasets/e.csv", content=b"")
    assert empty.status_code == 422
    binary = client_a.put("/api/datasets/b.csv", content=bytes(range(256)) * 4)
    assert binary.status_code == 422
    assert set(binary.json()) == {"detail", "code"}


def test_datasets_are_private(client_a: TestClient, client_b: TestClient) -> None:
    client_a.put("/api/datasets/mine.csv", content=CSV)
    assert client_b.get("/api/datasets/mine.csv").status_code == 404
    assert client_b.get("/api/datasets/mine.csv/content").status_code == 404
    assert client_b.delete("/api/datasets/mine.csv").status_code == 404
    assert client_b.get("/api/datasets").json() == {"datasets": []}
    client_b.put("/api/datasets/mine.csv", content=b"z\n1\n")
    assert client_a.get("/api/datasets/mine.csv/content").content == CSV


def test_unusable_csv_is_refused_at_upload_with_every_problem(client_a: TestClient) -> None:
    ragged_and_unclosed = b'a,b\n1,2\n3\n4,5,6\n7,8\n"9,10\n'
    response = client_a.put("/api/datasets/bad.csv", content=ragged_and_unclosed)
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "invalid_dataset"
    detail = body["detail"]
    assert "line 3 has 1 field(s)" in detail
    assert "line 4 has 3 field(s)" in detail
    assert "never closed" in detail
    header_only = client_a.put("/api/datasets/h.csv", content=b"age,sex\n")
    assert header_only.status_code == 422
    assert "no data row" in header_only.json()["detail"]
    assert client_a.get("/api/datasets/bad.csv").status_code == 404
    assert client_a.get("/api/datasets/h.csv").status_code == 404
