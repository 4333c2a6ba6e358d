"""Where a file source's path points; remote files are fetched into the cache.

A file source's ``path`` is one of:

- a path in the user's directory (``data/sales.csv``);
- ``<root>:<path>``: a file in a read-only directory the administrator exposes
  (``c.DataWrangler.data_roots``), confined to it like a user path;
- ``<protocol>://...``: an fsspec URL of a protocol the administrator allows
  (``c.DataWrangler.remote_storage``). It is streamed into the cache once per
  version (ETag, modification time, size: whatever the storage reports), so opening
  it again, or another flow on it, reads the cached copy.

Whatever it is, the result is a local file and what identifies its content, and the
reader converts it like any local file.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import logging
import re
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from ..errors import InvalidInput, UpstreamFailed
from .config import ROOT_NAME_PATTERN, DataWrangler
from .models import SourceLocations
from .paths import resolve_user_path

log = logging.getLogger(__name__)

#: A URL: ``<protocol>://...``.
URL = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*)://")
#: A file in a data root: ``<name>:<path>`` (not ``://``).
ROOT_REF = re.compile(f"^({ROOT_NAME_PATTERN}):(?!//)(.*)$", re.DOTALL)
#: How long a remote file checked to be unchanged is trusted without asking again
#: (a preview asks for its source on every page).
REMOTE_RECHECK_S = 10.0
#: How long a remote file whose storage reports no version (no ETag or time) is reused.
UNVERSIONED_TTL_S = 300
#: Keys of fsspec ``info()`` that tell one version of a file from another, across
#: implementations (HTTP headers, s3fs, gcsfs, adlfs, local/sftp).
VERSION_KEYS = (
    "ETag",
    "etag",
    "VersionId",
    "generation",
    "Last-Modified",
    "LastModified",
    "last_modified",
    "updated",
    "mtime",
    "Content-MD5",
    "md5Hash",
    "Digest",
)
#: Remote files remembered as checked (a bound, not a tuning knob).
_MEMO_SIZE = 256


def is_url(path: str) -> bool:
    return URL.match(path) is not None


def suffix_of(path: str) -> str:
    """The file name extension of a path or URL (the URL's query does not count)."""
    name = urlsplit(path).path if is_url(path) else path
    return Path(name).suffix.lower()


@dataclass(frozen=True)
class Located:
    """A local file to read, and what identifies its content (for cache keys)."""

    path: Path
    identity: tuple[Any, ...]


def _digest(value: Any) -> str:
    return hashlib.sha256(json.dumps(value, default=str).encode()).hexdigest()[:32]


class Locations:
    """Resolves file source paths to readable local files, fetching remote ones."""

    def __init__(
        self,
        root: Path,
        cache_dir: Path,
        config: DataWrangler,
        lock: Callable[[str], threading.Lock],
    ) -> None:
        self.root = root
        self.cache_dir = cache_dir / "remote"
        self.config = config
        self._lock = lock
        self.recheck_seconds = REMOTE_RECHECK_S
        self._checked: dict[str, tuple[float, Located]] = {}

    def describe(self) -> SourceLocations:
        return SourceLocations(
            data_roots=sorted(self.config.data_roots),
            protocols=sorted(self.config.remote_storage),
        )

    def locate(
        self, path: str, field: str, *, before_fetch: Callable[[], object] = lambda: None
    ) -> Located:
        """The local file ``path`` names (fetched if remote); a 4xx/502 naming ``field``.

        ``before_fetch`` may refuse the source (raising) once a URL is known to be
        allowed and before anything is fetched, e.g. for a format it cannot tell.
        """
        url = URL.match(path)
        if url and url.group(1) != "file":  # file:// is a path like any other (below)
            return self._remote(path, url.group(1).lower(), field, before_fetch)
        ref = ROOT_REF.match(path)
        if ref and ref.group(1) in self.config.data_roots:
            name = ref.group(1)
            local = self._in_data_root(name, ref.group(2), field)
            if not local.is_file():
                raise InvalidInput(
                    f"{field}: no file '{ref.group(2)}' in data root '{name}'", field=field
                )
            return _local(local)
        local = resolve_user_path(self.root, path, field=field)
        if not local.is_file():
            hint = ""
            if ref:
                roots = ", ".join(sorted(self.config.data_roots)) or "none are configured"
                hint = f" ('{ref.group(1)}' is not a data root either; data roots: {roots})"
            raise InvalidInput(f"{field}: no file '{path}' in your directory{hint}", field=field)
        return _local(local)

    # ---- data roots ---------------------------------------------------------
    def _in_data_root(self, name: str, rest: str, field: str) -> Path:
        directory = Path(self.config.data_roots[name])
        if not directory.is_dir():
            raise InvalidInput(
                f"{field}: data root '{name}' is not available on the server (its directory "
                "is missing); tell the administrator",
                field=field,
            )
        # 'datasets:/a.csv' and 'datasets:a.csv' name the same file, inside the root.
        return resolve_user_path(
            directory, rest.lstrip("/"), field=field, within=f"data root '{name}'", spaces=False
        )

    # ---- remote files -------------------------------------------------------
    def _remote(
        self, url: str, protocol: str, field: str, before_fetch: Callable[[], object]
    ) -> Located:
        options = self.config.remote_storage.get(protocol)
        if options is None:
            allowed = ", ".join(sorted(self.config.remote_storage)) or "none"
            raise InvalidInput(
                f"{field}: {protocol}:// URLs are not allowed on this server; an administrator "
                f"must allow the protocol in c.DataWrangler.remote_storage (allowed: {allowed})",
                field=field,
            )
        if "::" in url:
            raise InvalidInput(
                f"{field}: chained URLs ('::') are not supported; give one {protocol}:// URL",
                field=field,
            )
        before_fetch()
        memo = self._checked.get(url)
        if (
            memo is not None
            and time.monotonic() - memo[0] < self.recheck_seconds
            and memo[1].path.is_file()
        ):
            return memo[1]
        fs = self._filesystem(protocol, options, field)
        try:
            info = fs.info(url)
        except Exception as err:  # fsspec implementations share no error base class
            raise remote_error(err, url, field) from err
        if info.get("type") == "directory":
            raise InvalidInput(f"{field}: '{url}' is a folder; name one file", field=field)
        version = {k: str(info[k]) for k in VERSION_KEYS if info.get(k) is not None}
        if not version:  # nothing tells versions apart: reuse the copy for a while only
            version = {"checked": str(int(time.time() // UNVERSIONED_TTL_S))}
        identity = (url, info.get("size"), version)
        prefix = _digest(url)
        target = self.cache_dir / f"{prefix}-{_digest(identity)}{suffix_of(url)}"
        with self._lock(target.name):
            if not target.is_file():
                self._download(fs, url, target, info.get("size"), field)
                for old in self.cache_dir.glob(f"{prefix}-*"):  # earlier versions of this URL
                    if old != target:
                        old.unlink(missing_ok=True)
        located = Located(target, identity)
        if len(self._checked) >= _MEMO_SIZE:
            self._checked.clear()
        self._checked[url] = (time.monotonic(), located)
        return located

    def _filesystem(self, protocol: str, options: dict[str, Any], field: str) -> Any:
        try:
            fsspec = importlib.import_module("fsspec")
            return fsspec.filesystem(protocol, **options)
        except (ImportError, ValueError, TypeError) as err:
            raise InvalidInput(
                f"{field}: the server cannot read {protocol}:// URLs ({first_line(err)}); "
                "tell the administrator",
                field=field,
            ) from err

    def _download(self, fs: Any, url: str, target: Path, size: Any, field: str) -> None:
        """Stream ``url`` to ``target`` (atomically: a cut download leaves nothing)."""
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{target.name}.{threading.get_ident()}.tmp")
        started = time.perf_counter()
        try:
            try:
                fs.get_file(url, str(tmp))
            except Exception as err:  # fsspec implementations share no error base class
                raise remote_error(err, url, field) from err
            got = tmp.stat().st_size
            if isinstance(size, int) and got != size:
                raise UpstreamFailed(
                    f"{field}: the download of '{url}' was cut short ({got:,} of {size:,} "
                    "bytes); try again",
                    field=field,
                )
            tmp.replace(target)
        finally:
            tmp.unlink(missing_ok=True)
        log.info(
            "Data Wrangler fetched %s (%d bytes) in %.1f s",
            urlsplit(url)._replace(query="").geturl(),  # a query may hold a signature
            target.stat().st_size,
            time.perf_counter() - started,
        )


def _local(path: Path) -> Located:
    stat = path.stat()
    return Located(path, (str(path), stat.st_mtime_ns, stat.st_size))


def _causes(err: BaseException) -> Iterator[BaseException]:
    """``err`` and the errors it was raised from (explicit causes only)."""
    current: BaseException | None = err
    seen: set[int] = set()
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__


def remote_error(err: BaseException, url: str, field: str) -> InvalidInput:
    """A failure of remote storage as the user should see it.

    Missing and refused files are the user's to fix (400); a storage or network
    failure may pass (502). fsspec implementations report these differently: HTTP
    status codes on the cause (aiohttp), or ``FileNotFoundError``/``PermissionError``
    (s3fs, gcsfs), so the whole cause chain is read.
    """
    chain = list(_causes(err))
    status = next((s for e in chain if isinstance(s := getattr(e, "status", None), int)), None)
    if status in (404, 410) or (status is None and isinstance(chain[-1], FileNotFoundError)):
        return InvalidInput(f"{field}: no file at '{url}'", field=field)
    if status in (401, 403) or any(isinstance(e, PermissionError) for e in chain):
        return InvalidInput(
            f"{field}: the storage refused access to '{url}'; check the URL, or ask the "
            "administrator about the credentials configured for it",
            field=field,
        )
    if status is not None and status < 500:
        return InvalidInput(f"{field}: the storage answered HTTP {status} for '{url}'", field=field)
    cause = chain[-1]
    detail = f"HTTP {status}" if status else f"{type(cause).__name__}: {first_line(cause)}"
    return UpstreamFailed(
        f"{field}: could not fetch '{url}' ({detail}); try again later", field=field
    )


def first_line(err: BaseException) -> str:
    """The first line of an error's message (or its type's name), for users."""
    return (str(err).strip().splitlines() or [type(err).__name__])[0][:500]


def config_problems(config: DataWrangler) -> list[str]:
    """What an administrator should hear at start: roots and protocols that cannot work."""
    problems: list[str] = []
    for name, directory in sorted(config.data_roots.items()):
        if not Path(directory).is_dir():
            problems.append(f"DataWrangler.data_roots[{name!r}]: {directory} is not a directory")
    if not config.remote_storage:
        return problems
    try:
        fsspec = importlib.import_module("fsspec")
    except ImportError:
        return [*problems, "DataWrangler.remote_storage needs fsspec: pip install fsspec"]
    for protocol in sorted(config.remote_storage):
        try:
            fsspec.get_filesystem_class(protocol)
        except (ImportError, ValueError) as err:
            problems.append(f"DataWrangler.remote_storage[{protocol!r}]: {first_line(err)}")
    return problems
