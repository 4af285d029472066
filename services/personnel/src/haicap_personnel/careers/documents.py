"""Where the files attached to career events are kept: content-addressed by SHA-256.

A file is stored under its checksum, so the same file attached twice is stored once, and a
stored file never changes. Two stores, chosen by the settings:

- :class:`FolderStore` (the default): ``var_dir/documents/ab/abcdef...``, written to a temporary
  file in the same folder and renamed into place (a reader never sees half a file), in a worker
  thread so that the event loop never waits for the disk;
- :class:`S3Store`: any S3-compatible store (``HAICAP_PERSONNEL_DOCUMENTS_S3_ENDPOINT_URL``,
  bucket, keys, region), through aiobotocore; a store that cannot be reached is 503
  ``upstream_unavailable``.
"""

from __future__ import annotations

import base64
import hashlib
import os
import tempfile
from pathlib import Path
from typing import Any, Protocol

import anyio
from aiobotocore.session import get_session  # type: ignore[import-untyped]
from botocore.config import Config  # type: ignore[import-untyped]
from botocore.exceptions import BotoCoreError, ClientError  # type: ignore[import-untyped]

from haicap_shared.errors import UpstreamUnavailable

from ..settings import PersonnelSettings

PDF_MAGIC = b"%PDF-"
PDF = "application/pdf"
STORE_NAME = "document store"


def sha256_of(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def digest_header(sha256: str) -> str:
    """RFC 9530 ``Repr-Digest`` (and the older ``Digest``) value of a SHA-256 given in hex."""
    return "sha-256=:" + base64.b64encode(bytes.fromhex(sha256)).decode() + ":"


class DocumentStore(Protocol):
    async def put(self, sha256: str, content: bytes, content_type: str) -> None:
        """Keep ``content`` under ``sha256`` (nothing to do when it is there already)."""

    async def get(self, sha256: str) -> bytes | None:
        """The content kept under ``sha256``, or None."""


class FolderStore:
    """Files in a folder: ``<root>/ab/abcdef...`` (the first two hex digits fan the files out)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, sha256: str) -> Path:
        return self.root / sha256[:2] / sha256

    async def put(self, sha256: str, content: bytes, content_type: str) -> None:
        await anyio.to_thread.run_sync(self._write, sha256, content)

    async def get(self, sha256: str) -> bytes | None:
        return await anyio.to_thread.run_sync(self._read, sha256)

    def _write(self, sha256: str, content: bytes) -> None:
        target = self.path(sha256)
        if target.exists():
            return
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".incoming-")
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(content)
                out.flush()
                os.fsync(out.fileno())
            # NOTE: atomic on one file system: a reader sees the whole file or none.
            os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    def _read(self, sha256: str) -> bytes | None:
        try:
            return self.path(sha256).read_bytes()
        except FileNotFoundError:
            return None


class S3Store:
    """Objects in an S3-compatible bucket: ``<prefix>ab/abcdef...``."""

    def __init__(
        self, endpoint_url: str, bucket: str, *, prefix: str, access_key_id: str, secret_access_key: str, region: str
    ) -> None:
        self.endpoint_url = endpoint_url
        self.bucket = bucket
        self.prefix = prefix
        self.credentials = {"aws_access_key_id": access_key_id or None, "aws_secret_access_key": secret_access_key or None}
        self.region = region
        self.session = get_session()
        self.config = Config(connect_timeout=5, read_timeout=30, retries={"max_attempts": 2})

    def key(self, sha256: str) -> str:
        return f"{self.prefix}{sha256[:2]}/{sha256}"

    def _client(self) -> Any:
        return self.session.create_client(
            "s3", endpoint_url=self.endpoint_url, region_name=self.region, config=self.config, **self.credentials
        )

    async def put(self, sha256: str, content: bytes, content_type: str) -> None:
        try:
            async with self._client() as s3:
                await s3.put_object(
                    Bucket=self.bucket,
                    Key=self.key(sha256),
                    Body=content,
                    ContentType=content_type,
                    ChecksumSHA256=base64.b64encode(bytes.fromhex(sha256)).decode(),
                )
        except (BotoCoreError, ClientError) as exc:
            raise UpstreamUnavailable(STORE_NAME, f"The document store refused or did not answer: {exc}") from exc

    async def get(self, sha256: str) -> bytes | None:
        try:
            async with self._client() as s3:
                try:
                    response = await s3.get_object(Bucket=self.bucket, Key=self.key(sha256))
                except ClientError as exc:
                    if exc.response.get("Error", {}).get("Code") in {"NoSuchKey", "404"}:
                        return None
                    raise
                async with response["Body"] as body:
                    content: bytes = await body.read()
                    return content
        except (BotoCoreError, ClientError) as exc:
            raise UpstreamUnavailable(STORE_NAME, f"The document store refused or did not answer: {exc}") from exc


def store_for(settings: PersonnelSettings) -> DocumentStore:
    """The S3 store when an endpoint is configured, else the service's folder."""
    if settings.documents_s3_endpoint_url:
        return S3Store(
            settings.documents_s3_endpoint_url,
            settings.documents_s3_bucket,
            prefix=settings.documents_s3_prefix,
            access_key_id=settings.documents_s3_access_key_id,
            secret_access_key=settings.documents_s3_secret_access_key.get_secret_value(),
            region=settings.documents_s3_region,
        )
    return FolderStore(settings.var_dir / "documents")
