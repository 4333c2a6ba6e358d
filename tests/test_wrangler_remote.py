"""Data Wrangler sources outside the user's directory: admin data roots and remote URLs.

Remote files come from a real HTTP server on the loopback interface (``http.server``
in a thread) that the administrator's configuration allows as the ``http`` protocol.
``s3`` is configured the same way (s3fs with an endpoint URL), but no S3 service can
be reached from the test machine and none is faked: the test only checks that an
S3 URL is tried and fails clearly (no s3fs installed, or nothing listening).
"""

from __future__ import annotations

import asyncio
import importlib.util
import threading
from collections import Counter
from collections.abc import Iterator
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from traitlets import TraitError

from jupyter_smstudio.wrangler.config import DataWrangler

from .conftest import ApiCall, Reply
from .servers import free_port
from .waiting import eventually
from .wrangler_data import CITIES_CSV, SALES_CSV

pytestmark = pytest.mark.usefixtures("jp_serverapp")


class FileServer(ThreadingHTTPServer):
    """Serves a directory on 127.0.0.1 and counts the GET requests per path."""

    def __init__(self, directory: Path) -> None:
        super().__init__(("127.0.0.1", 0), partial(FileHandler, directory=str(directory)))
        self.gets: Counter[str] = Counter()
        self.release = threading.Event()  # lets GETs below /slow/ go on

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_port}"


class FileHandler(SimpleHTTPRequestHandler):
    """Files of the served directory; /private/ answers 403, /broken/ 500."""

    server: FileServer

    def do_GET(self) -> None:
        self.server.gets[self.path] += 1
        if not self._refused():
            if self.path.startswith("/slow/"):
                self.server.release.wait(timeout=60)
            super().do_GET()

    def do_HEAD(self) -> None:
        if not self._refused():
            super().do_HEAD()

    def _refused(self) -> bool:
        for prefix, status in (("/private/", 403), ("/broken/", 500)):
            if self.path.startswith(prefix):
                self.send_error(status)
                return True
        return False

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def served(tmp_path: Path) -> Path:
    directory = tmp_path / "served"
    (directory / "slow").mkdir(parents=True)
    (directory / "sales.csv").write_text(SALES_CSV)
    (directory / "slow" / "sales.csv").write_text(SALES_CSV)
    pl.read_csv(CITIES_CSV.encode()).write_parquet(directory / "cities.parquet")
    return directory


@pytest.fixture
def files(served: Path) -> Iterator[FileServer]:
    server = FileServer(served)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.release.set()
    server.shutdown()
    server.server_close()
    thread.join(timeout=10)


@pytest.fixture
def datasets(tmp_path: Path) -> Path:
    """A data root outside the user's directory, with a link that points out of it."""
    root = tmp_path / "datasets"
    (root / "geo").mkdir(parents=True)
    (root / "geo" / "cities.csv").write_text(CITIES_CSV)
    (tmp_path / "secret.csv").write_text("password\nhunter2\n")
    (root / "leak.csv").symlink_to(tmp_path / "secret.csv")
    return root


@pytest.fixture
def jp_server_config(
    jp_server_config: dict[str, Any], files: FileServer, datasets: Path
) -> dict[str, Any]:
    return {
        **jp_server_config,
        "DataWrangler": {
            "data_roots": {"datasets": str(datasets)},
            "remote_storage": {
                "http": {},
                # No S3 can be reached from here: nothing listens on this port.
                "s3": {
                    "anon": True,
                    "endpoint_url": f"http://127.0.0.1:{free_port()}",
                    "config_kwargs": {"retries": {"max_attempts": 1}, "connect_timeout": 2},
                },
            },
        },
    }


async def preview(api: ApiCall, path: str) -> Reply:
    return await api("POST", "wrangler/sources/preview", {"source": {"kind": "file", "path": path}})


def first_column(reply: Reply) -> list[Any]:
    assert reply.status == 200, reply.json
    return [row[0] for row in reply.json["rows"]]


def refused(reply: Reply, status: int, *words: str) -> None:
    assert reply.status == status, reply.json
    assert reply.error["field"] == "source.path"
    for word in words:
        assert word in reply.error["message"]


async def test_remote_files_are_fetched_once_while_unchanged(
    api: ApiCall, files: FileServer, served: Path, jp_serverapp: Any
) -> None:
    services = jp_serverapp.web_app.settings["smstudio_services"]
    services.wrangler.service().reader.locations.recheck_seconds = 0  # ask the server every time
    url = f"{files.url}/sales.csv"
    created = await api(
        "POST", "wrangler/flows", {"name": "web.flow", "source": {"kind": "file", "path": url}}
    )
    assert created.status == 201, created.json
    flow = await api("GET", "wrangler/flows/web.flow/preview")
    assert [r[1] for r in flow.json["rows"]][:2] == ["Oslo", "Bergen"]
    assert first_column(await preview(api, url)) == list(range(1, 9))
    assert files.gets["/sales.csv"] == 1  # three opens, one download
    query = f"{url}?version=1"  # the format comes from the URL's path, not its query
    assert first_column(await preview(api, query)) == list(range(1, 9))

    parquet = f"{files.url}/cities.parquet"
    assert first_column(await preview(api, parquet)) == ["Oslo", "Bergen", "Trondheim"]
    assert first_column(await preview(api, parquet)) == ["Oslo", "Bergen", "Trondheim"]
    assert files.gets["/cities.parquet"] == 1

    (served / "sales.csv").write_text(SALES_CSV + "9,Tromsø,5.0,1,2024-05-01,north\n")
    assert first_column(await preview(api, url)) == list(range(1, 10))
    assert files.gets["/sales.csv"] == 2  # a changed file is fetched again


async def test_a_slow_download_does_not_hold_up_the_server(api: ApiCall, files: FileServer) -> None:
    async def started() -> bool:
        return files.gets["/slow/sales.csv"] == 1

    fetching = asyncio.ensure_future(preview(api, f"{files.url}/slow/sales.csv"))
    try:
        await eventually(started, 30, "the download to start", interval=0.05)
        answered = await asyncio.wait_for(api("GET", "wrangler/sources/locations"), 5)
        assert answered.status == 200
        assert not fetching.done()
    finally:
        files.release.set()
    assert first_column(await fetching) == list(range(1, 9))


async def test_remote_failures_are_clear_and_name_the_field(
    api: ApiCall, files: FileServer
) -> None:
    refused(await preview(api, f"{files.url}/missing.csv"), 400, "no file at")
    refused(await preview(api, f"{files.url}/private/x.csv"), 400, "refused access")
    refused(await preview(api, f"{files.url}/broken/x.csv"), 502, "HTTP 500", "try again")
    unknown = await preview(api, f"{files.url}/sales")
    assert unknown.status == 400
    assert unknown.error["field"] == "source.format"
    assert files.gets["/sales"] == 0  # refused before anything was fetched
    closed = f"http://127.0.0.1:{free_port()}/sales.csv"
    reply = await preview(api, closed)
    refused(reply, 502, "could not fetch", closed)
    assert reply.error["code"] == "UpstreamFailure"


async def test_protocols_the_admin_did_not_allow_are_refused(api: ApiCall) -> None:
    for url in ("ftp://127.0.0.1/sales.csv", "memory://x/sales.csv"):
        refused(await preview(api, url), 400, "not allowed", "administrator", "http, s3")
    # file:// names a path on the server, confined like any other
    refused(await preview(api, "file:///etc/passwd"), 400, "outside your directory")
    chained = "zip://sales.csv::http://127.0.0.1/a.zip"
    refused(await preview(api, chained), 400, "not allowed")
    refused(await preview(api, "http://127.0.0.1/a.zip::/etc/passwd.csv"), 400, "chained")


async def test_s3_is_tried_and_fails_clearly(api: ApiCall) -> None:
    reply = await preview(api, "s3://bucket/sales.csv")
    if importlib.util.find_spec("s3fs") is None:
        refused(reply, 400, "cannot read s3:// URLs", "administrator")
    else:
        refused(reply, 502, "could not fetch")


async def test_data_roots_are_read_only_and_confined(api: ApiCall, jp_root_dir: Path) -> None:
    assert first_column(await preview(api, "datasets:/geo/cities.csv")) == [
        "Oslo", "Bergen", "Trondheim"
    ]  # fmt: skip
    assert first_column(await preview(api, "datasets:geo/cities.csv"))[0] == "Oslo"
    for escape in ("datasets:../secret.csv", "datasets:/../secret.csv", "datasets:leak.csv"):
        refused(await preview(api, escape), 400, "outside data root 'datasets'")
    missing = await preview(api, "datasets:/geo/nope.csv")
    refused(missing, 400, "no file '/geo/nope.csv' in data root 'datasets'")
    refused(await preview(api, "elsewhere:/x.csv"), 400, "not a data root", "datasets")
    assert not list(jp_root_dir.iterdir())  # nothing was written to the user's directory


async def test_locations_route_lists_roots_and_protocols_without_options(
    api: ApiCall,
) -> None:
    reply = await api("GET", "wrangler/sources/locations")
    assert reply.json == {"data_roots": ["datasets"], "protocols": ["http", "s3"]}
    reader = await api("GET", "wrangler/sources/locations", user="reader")
    assert reader.status == 200


def test_admin_settings_are_checked() -> None:
    for bad in ({"x": "/srv"}, {"1st": "/srv"}, {"data": "relative/dir"}):
        with pytest.raises(TraitError, match="data_roots"):
            DataWrangler(data_roots=bad)
    for protocol in ("file", "local", "S3", "s3:"):
        with pytest.raises(TraitError, match="remote_storage"):
            DataWrangler(remote_storage={protocol: {}})
    config = DataWrangler(data_roots={"home-data": "~/data"}, remote_storage={"gcs": {}})
    assert config.data_roots["home-data"] == str(Path("~/data").expanduser())
