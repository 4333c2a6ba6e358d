"""Access keys for the SigV4-authenticated runtime route.

SigV4 verification needs the secret itself (the signature is an HMAC keyed by a
key derived from it), so a one-way hash cannot be stored. Secrets are encrypted at
rest with AES-256-GCM under a master key kept in a file beside the database
(``<data_dir>/hosting/access-keys.key``, mode 0600), with the key id as associated
data: a copy or dump of the database alone (which may be a shared PostgreSQL)
reveals no secret, and a ciphertext moved to another key id fails to decrypt. The
secret is shown once, when the key is created.
"""

from __future__ import annotations

import asyncio
import base64
import os
import secrets
import string
import time
from pathlib import Path

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import delete, insert, select, update

from ..errors import LimitExceeded, NotFound
from ..hosting.models import AccessKey, AccessKeyCreate, AccessKeyList, NewAccessKey
from ..hosting.schema import access_keys as table
from ..runtime.files import PRIVATE_DIR_MODE, PRIVATE_FILE_MODE, restrict
from ..store import Database
from ..timeutil import now_ms

MAX_KEYS_PER_USER = 10
#: The description of the key kernels and ``POST /environment`` hand out (one per user).
ENVIRONMENT_KEY = "SM Studio kernels and terminals (created automatically)"
_ALPHABET = string.ascii_uppercase + string.digits


class SecretBox:
    """AES-GCM with a master key file created on first use."""

    def __init__(self, key_path: Path) -> None:
        self.key_path = key_path
        self._aead: AESGCM | None = None

    def _cipher(self) -> AESGCM:
        if self._aead is None:
            if not self.key_path.exists():
                self.key_path.parent.mkdir(mode=PRIVATE_DIR_MODE, parents=True, exist_ok=True)
                fd = os.open(self.key_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE_MODE)
                with os.fdopen(fd, "wb") as f:
                    f.write(AESGCM.generate_key(bit_length=256))
            else:
                restrict(self.key_path, PRIVATE_FILE_MODE)  # as an older version left it
            self._aead = AESGCM(self.key_path.read_bytes())
        return self._aead

    def seal(self, key_id: str, secret: str) -> str:
        nonce = os.urandom(12)
        sealed = self._cipher().encrypt(nonce, secret.encode(), key_id.encode())
        return "v1:" + base64.b64encode(nonce + sealed).decode()

    def open(self, key_id: str, blob: str) -> str:
        raw = base64.b64decode(blob.removeprefix("v1:"))
        return self._cipher().decrypt(raw[:12], raw[12:], key_id.encode()).decode()


class AccessKeyService:
    def __init__(self, db: Database, box: SecretBox) -> None:
        self.db = db
        self.box = box
        self._cache: dict[str, tuple[str, str]] = {}
        self._environment_lock = asyncio.Lock()
        self._touched: dict[str, float] = {}

    async def create(self, owner: str, body: AccessKeyCreate) -> NewAccessKey:
        if len((await self.list(owner)).items) >= MAX_KEYS_PER_USER:
            raise LimitExceeded(f"You have {MAX_KEYS_PER_USER} access keys; delete one first.")
        key_id = "SMSK" + "".join(secrets.choice(_ALPHABET) for _ in range(16))
        secret = secrets.token_urlsafe(30)
        sealed = await asyncio.to_thread(self.box.seal, key_id, secret)
        created = now_ms()
        async with self.db.transaction() as conn:
            await conn.execute(
                insert(table).values(
                    access_key_id=key_id,
                    owner=owner,
                    secret=sealed,
                    description=body.description,
                    created_ms=created,
                )
            )
        return NewAccessKey(
            access_key_id=key_id,
            description=body.description,
            created_ms=created,
            secret_access_key=secret,
        )

    async def environment_key(self, owner: str) -> tuple[str, str]:
        """(key id, secret) of the owner's environment key, created on first use."""
        async with self._environment_lock:
            for key in (await self.list(owner)).items:
                if key.description == ENVIRONMENT_KEY:
                    found = await self.lookup(key.access_key_id)
                    if found is not None:
                        return key.access_key_id, found[1]
            new = await self.create(owner, AccessKeyCreate(description=ENVIRONMENT_KEY))
            return new.access_key_id, new.secret_access_key

    async def list(self, owner: str) -> AccessKeyList:
        async with self.db.transaction() as conn:
            rows = (
                await conn.execute(
                    select(table).where(table.c.owner == owner).order_by(table.c.created_ms)
                )
            ).all()
        return AccessKeyList(
            items=[
                AccessKey(
                    access_key_id=r.access_key_id,
                    description=r.description,
                    created_ms=r.created_ms,
                    last_used_ms=r.last_used_ms,
                )
                for r in rows
            ]
        )

    async def delete(self, owner: str, key_id: str) -> None:
        async with self.db.transaction() as conn:
            result = await conn.execute(
                delete(table).where(table.c.owner == owner, table.c.access_key_id == key_id)
            )
        self._cache.pop(key_id, None)
        if not result.rowcount:
            raise NotFound(f"No access key '{key_id}'.", field="access_key_id")

    async def lookup(self, key_id: str) -> tuple[str, str] | None:
        """(owner, secret) of a key, or None; cached, last use recorded once a minute."""
        found = self._cache.get(key_id)
        if found is None:
            async with self.db.transaction() as conn:
                row = (
                    await conn.execute(select(table).where(table.c.access_key_id == key_id))
                ).first()
            if row is None:
                return None
            found = (row.owner, await asyncio.to_thread(self.box.open, key_id, row.secret))
            self._cache[key_id] = found
        if time.monotonic() - self._touched.get(key_id, -1e9) > 60:
            self._touched[key_id] = time.monotonic()
            async with self.db.transaction() as conn:
                await conn.execute(
                    update(table)
                    .where(table.c.access_key_id == key_id)
                    .values(last_used_ms=now_ms())
                )
        return found
