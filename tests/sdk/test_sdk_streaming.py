"""Uploads stream from disk with a checksum; downloads stream to disk or pandas."""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path

import httpx
import pandas as pd
import pytest
from fake_avatars_api import FakeAvatarsApi, error

import avatars
from avatars import ApiClient
from avatars._streaming import CHUNK_SIZE, FileChunks, content_digest


@pytest.fixture
def api() -> FakeAvatarsApi:
    return FakeAvatarsApi()


@pytest.fixture
def client(api: FakeAvatarsApi) -> ApiClient:
    client = ApiClient("http://avatars.test", api_key=api.api_key, http_client=api.client())
    client._session.sleep = lambda seconds: None
    return client


@pytest.fixture
def frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "age": [31, 45, 27, 60],
            "weight": [70.5, 82.0, 55.25, 90.0],
            "sex": pd.Categorical(["f", "m", "f", "m"]),
        }
    )


def test_upload_streams_the_file_in_chunks_with_its_digest(
    api: FakeAvatarsApi, client: ApiClient, tmp_path: Path
) -> None:
    data = b"a,b\n" + b"1,2\n" * (CHUNK_SIZE // 2)  # a bit over 2 chunks
    path = tmp_path / "big.csv"
    path.write_bytes(data)

    stored = client.datasets.upload_dataset("big.csv", path)

    request = api.requests[-1]
    expected = base64.b64encode(hashlib.sha256(data).digest()).decode()
    assert request.headers["Content-Digest"] == f"sha-256=:{expected}:"
    assert request.headers["Content-Length"] == str(len(data))
    assert "Transfer-Encoding" not in request.headers
    assert api.upload_chunks == [CHUNK_SIZE, CHUNK_SIZE, len(data) - 2 * CHUNK_SIZE]
    assert api.datasets["big.csv"] == data
    assert (stored.name, stored.size, stored.sha256) == (
        "big.csv",
        len(data),
        hashlib.sha256(data).hexdigest(),
    )


def test_a_retried_upload_resends_the_whole_file(
    api: FakeAvatarsApi, client: ApiClient, tmp_path: Path
) -> None:
    path = tmp_path / "d.csv"
    path.write_bytes(b"x\n1\n2\n")
    api.fail("PUT /api/datasets/d.csv", lambda r: error(503, "busy", "Try again."))
    client.datasets.upload_dataset("d.csv", path)
    assert api.count("PUT", "/api/datasets/d.csv") == 2
    assert api.datasets["d.csv"] == b"x\n1\n2\n"


def test_corrupted_upload_is_rejected(api: FakeAvatarsApi, tmp_path: Path) -> None:
    path = tmp_path / "d.csv"
    path.write_bytes(b"x\n1\n")

    def corrupt(request: httpx.Request) -> httpx.Response:
        request.headers["Content-Digest"] = "sha-256=:" + base64.b64encode(b"0" * 32).decode() + ":"
        return api.route(request)

    client = ApiClient(
        "http://avatars.test",
        api_key=api.api_key,
        http_client=httpx.Client(transport=httpx.MockTransport(corrupt)),
    )
    with pytest.raises(avatars.ValidationError, match="Content-Digest"):
        client.datasets.upload_dataset("d.csv", path)


def test_missing_file_says_so(client: ApiClient, tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="CSV or Parquet"):
        client.datasets.upload_dataset("x.csv", tmp_path / "missing.csv")


@pytest.mark.parametrize("name", ["people.csv", "people.parquet"])
def test_dataframe_round_trip(
    api: FakeAvatarsApi, client: ApiClient, frame: pd.DataFrame, name: str, tmp_path: Path
) -> None:
    client.datasets.upload_dataset(name, frame)
    stored = api.datasets[name]
    if name.endswith(".parquet"):
        assert stored.startswith(b"PAR1")
    else:
        assert stored.decode().splitlines()[0] == "age,weight,sex"

    back = client.datasets.read_dataset(name)
    assert back[["age", "weight"]].equals(frame[["age", "weight"]])
    assert list(back["sex"].astype(str)) == ["f", "m", "f", "m"]
    assert list(tmp_path.iterdir()) == []


def test_download_to_path_and_to_pandas(
    api: FakeAvatarsApi, client: ApiClient, tmp_path: Path, frame: pd.DataFrame
) -> None:
    csv = frame.to_csv(index=False).encode()
    api.results["job-1"] = {"wbcd.shuffled.csv": csv, "report.pdf": b"%PDF-1.7 ..."}

    assert client.results.get_results("job-1") == {
        "shuffled": ["wbcd.shuffled.csv"],
        "report": ["report.pdf"],
    }
    target = client.results.download_result_file("job-1", "report.pdf", tmp_path / "r/out.pdf")
    assert target.read_bytes() == b"%PDF-1.7 ..."
    assert client.results.get_result_file("job-1", "report.pdf") == b"%PDF-1.7 ..."
    df = client.results.read_result_dataframe("job-1", "wbcd.shuffled.csv")
    assert df["age"].tolist() == [31, 45, 27, 60]


def test_failed_download_leaves_no_partial_file(api: FakeAvatarsApi, tmp_path: Path) -> None:
    class Broken(httpx.SyncByteStream):
        def __iter__(self):  # type: ignore[no-untyped-def]
            yield b"first part"
            raise httpx.ReadError("connection reset")

    client = ApiClient(
        "http://avatars.test",
        api_key="k",
        http_client=httpx.Client(
            transport=httpx.MockTransport(lambda r: httpx.Response(200, stream=Broken()))
        ),
    )
    client._session.sleep = lambda seconds: None
    with pytest.raises(avatars.ConnectionError):
        client.results.download_result_file("job-1", "f.csv", tmp_path / "f.csv")
    assert list(tmp_path.iterdir()) == []


def test_file_chunks_can_be_iterated_again(tmp_path: Path) -> None:
    path = tmp_path / "f"
    path.write_bytes(b"abcdefg")
    chunks = FileChunks(path, chunk_size=3)
    assert list(chunks) == [b"abc", b"def", b"g"]
    assert list(chunks) == [b"abc", b"def", b"g"]
    assert len(chunks) == 7
    digest = base64.b64encode(hashlib.sha256(b"abcdefg").digest()).decode()
    assert content_digest(path, chunk_size=2) == f"sha-256=:{digest}:"


def test_a_dropped_download_resumes_with_a_range_request(tmp_path: Path) -> None:
    body = bytes(range(256)) * 40_000  # ~10 MB, several chunks
    ranges: list[str | None] = []

    class BreaksHalfway(httpx.SyncByteStream):
        def __iter__(self):  # type: ignore[no-untyped-def]
            yield body[: len(body) // 2]
            raise httpx.ReadError("connection reset by peer")

    def handler(request: httpx.Request) -> httpx.Response:
        ranges.append(request.headers.get("Range"))
        if len(ranges) == 1:
            return httpx.Response(200, stream=BreaksHalfway())
        start = int(request.headers["Range"].removeprefix("bytes=").rstrip("-"))
        return httpx.Response(206, content=body[start:])

    client = ApiClient(
        "http://avatars.test",
        api_key="k",
        http_client=httpx.Client(transport=httpx.MockTransport(handler)),
    )
    client._session.sleep = lambda seconds: None
    target = client.results.download_result_file("job-1", "big.csv", tmp_path / "big.csv")
    assert target.read_bytes() == body
    assert ranges[0] is None
    assert len(ranges) == 2
    resumed_at = int(str(ranges[1]).removeprefix("bytes=").rstrip("-"))
    assert 0 < resumed_at <= len(body) // 2  # only what was not yet received is fetched again
    assert sorted(p.name for p in tmp_path.iterdir()) == ["big.csv"]


def test_a_server_ignoring_range_restarts_the_file(tmp_path: Path) -> None:
    body = b"x" * 3_000_000
    calls: list[int] = []

    class Breaks(httpx.SyncByteStream):
        def __iter__(self):  # type: ignore[no-untyped-def]
            yield body[:1000]
            raise httpx.RemoteProtocolError("peer closed connection")

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        if len(calls) == 1:
            return httpx.Response(200, stream=Breaks())
        return httpx.Response(200, content=body)  # ignores Range

    client = ApiClient(
        "http://avatars.test",
        api_key="k",
        http_client=httpx.Client(transport=httpx.MockTransport(handler)),
    )
    client._session.sleep = lambda seconds: None
    target = client.datasets.download_dataset("d.csv", tmp_path / "d.csv")
    assert target.read_bytes() == body
