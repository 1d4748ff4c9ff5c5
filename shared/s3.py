"""The object store client (aiobotocore): put, get, stream, delete, multipart uploads, and
the table that turns botocore's and aiohttp's exceptions into the project's."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import io
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack
from typing import Any, ParamSpec, Self, TypeVar

import aiohttp
from aiobotocore.config import AioConfig
from aiobotocore.session import get_session
from botocore.exceptions import BotoCoreError, ClientError, ParamValidationError

from shared.errors import BulkQRError, ObjectMissing, ObjectStoreUnavailable, map_exceptions
from shared.settings import Settings

MIN_PART_BYTES = 5 * 1024 * 1024
MISSING_CODES = frozenset({"404", "NoSuchKey", "NotFound", "NoSuchBucket"})
P = ParamSpec("P")
R = TypeVar("R")


def object_store_error(exc: BaseException) -> BulkQRError | None:
    """The project's name for a botocore or aiohttp exception, or None for a bug of ours
    (a parameter botocore refused)."""
    if isinstance(exc, ClientError):
        if _code(exc) in MISSING_CODES:
            return ObjectMissing(f"S3: {exc}")
        return ObjectStoreUnavailable(f"S3: {exc}")
    if isinstance(exc, BotoCoreError | aiohttp.ClientError) and not isinstance(
        exc, ParamValidationError
    ):
        return ObjectStoreUnavailable(f"S3: {exc!r}")
    return None


def _call_error(exc: BaseException) -> BulkQRError | None:
    """Inside the adapter any OSError is the connection to S3 breaking as well."""
    if isinstance(exc, OSError):
        return ObjectStoreUnavailable(f"S3: {exc!r}")
    return object_store_error(exc)


def object_store_errors() -> contextlib.AbstractContextManager[None]:
    """Translate the S3 client's exceptions raised inside the block into the project's tree."""
    return map_exceptions(_call_error)


def translated(method: Callable[P, Awaitable[R]]) -> Callable[P, Awaitable[R]]:
    """A client call whose driver exceptions come out as the project's."""

    @functools.wraps(method)
    async def call(*args: P.args, **kwargs: P.kwargs) -> R:
        with object_store_errors():
            return await method(*args, **kwargs)

    return call


class ObjectStore:
    """One bucket of an S3-compatible store. Use as an async context manager."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self.bucket = settings.s3_bucket
        self._stack = AsyncExitStack()
        self._client: Any = None

    async def __aenter__(self) -> Self:
        config = AioConfig(
            # No payload hash in the signature: botocore would hash every body on the event
            # loop (about 2 ms a MB, ~10 ms for each part of a big batch). TLS protects the
            # body in production; the signature still covers the request.
            s3={"addressing_style": "path", "payload_signing_enabled": False},
            signature_version="s3v4",
            # Non-AWS servers reject the newer default checksum headers.
            request_checksum_calculation="when_required",
            response_checksum_validation="when_required",
            retries={"max_attempts": 5, "mode": "standard"},
            connect_timeout=5,
            read_timeout=30,
        )
        self._client = await self._stack.enter_async_context(
            get_session().create_client(
                "s3",
                endpoint_url=self._settings.s3_endpoint_url,
                region_name=self._settings.s3_region,
                aws_access_key_id=self._settings.s3_access_key.get_secret_value(),
                aws_secret_access_key=self._settings.s3_secret_key.get_secret_value(),
                config=config,
            )
        )
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._stack.aclose()

    @translated
    async def ensure_bucket(self) -> None:
        try:
            await self._client.head_bucket(Bucket=self.bucket)
        except ClientError:
            try:
                await self._client.create_bucket(Bucket=self.bucket)
            except ClientError as exc:
                if _code(exc) not in {"BucketAlreadyOwnedByYou", "BucketAlreadyExists"}:
                    raise

    async def ping(self) -> None:
        """Raise ObjectStoreUnavailable unless the bucket answers."""
        try:
            with object_store_errors():
                await self._client.head_bucket(Bucket=self.bucket)
        except ObjectMissing as exc:
            raise ObjectStoreUnavailable(f"S3: bucket {self.bucket} is missing") from exc

    @translated
    async def put(self, key: str, body: bytes, content_type: str = "application/json") -> None:
        await self._client.put_object(
            Bucket=self.bucket, Key=key, Body=streamed(body), ContentType=content_type
        )

    @translated
    async def get(self, key: str) -> bytes:
        response = await self._client.get_object(Bucket=self.bucket, Key=key)
        async with response["Body"] as stream:
            return bytes(await stream.read())

    @translated
    async def get_range(self, key: str, start: int, end: int) -> bytes:
        """Bytes `start` up to (not including) `end` of the object."""
        response = await self._client.get_object(Bucket=self.bucket, Key=key,
                                                 Range=f"bytes={start}-{end - 1}")
        async with response["Body"] as stream:
            return bytes(await stream.read())

    async def exists(self, key: str) -> bool:
        try:
            with object_store_errors():
                await self._client.head_object(Bucket=self.bucket, Key=key)
        except ObjectMissing:
            return False
        return True

    @translated
    async def size(self, key: str) -> int:
        head = await self._client.head_object(Bucket=self.bucket, Key=key)
        return int(head["ContentLength"])

    async def stream(self, key: str, piece_bytes: int = 256 * 1024,
                     attempts: int = 5) -> AsyncIterator[bytes]:
        """Yield the object's bytes in pieces, never holding the whole of it. A connection
        that breaks mid-object is resumed from the last byte received (a Range request)."""
        offset, failures = 0, 0
        while True:
            extra = {"Range": f"bytes={offset}-"} if offset else {}
            try:
                with object_store_errors():
                    response = await self._client.get_object(Bucket=self.bucket, Key=key,
                                                             **extra)
                    async with response["Body"] as body:
                        async for piece in body.iter_chunks(piece_bytes):
                            offset += len(piece)
                            yield piece
                return
            except ObjectStoreUnavailable as exc:
                failures += 1
                if failures >= attempts:
                    raise ObjectStoreUnavailable(f"S3: reading {key} failed: {exc}") from exc
                await asyncio.sleep(0.2 * failures)

    @translated
    async def delete(self, key: str) -> None:
        await self._client.delete_object(Bucket=self.bucket, Key=key)

    async def keys(self, prefix: str) -> AsyncIterator[str]:
        """Every key under `prefix`."""
        paginator = self._client.get_paginator("list_objects_v2")
        with object_store_errors():
            async for page in paginator.paginate(Bucket=self.bucket, Prefix=prefix):
                for item in page.get("Contents", []):
                    yield item["Key"]

    @translated
    async def pending_uploads(self) -> int:
        """Multipart uploads started and neither completed nor aborted."""
        listed = await self._client.list_multipart_uploads(Bucket=self.bucket)
        return len(listed.get("Uploads", []))

    @translated
    async def delete_prefix(self, prefix: str) -> int:
        """Delete every object under `prefix`; returns how many."""
        deleted = 0
        paginator = self._client.get_paginator("list_objects_v2")
        async for page in paginator.paginate(Bucket=self.bucket, Prefix=prefix):
            keys = [{"Key": item["Key"]} for item in page.get("Contents", [])]
            if keys:
                await self._client.delete_objects(Bucket=self.bucket, Delete={"Objects": keys})
                deleted += len(keys)
        return deleted

    def multipart(self, key: str, content_type: str = "application/json",
                  part_bytes: int = 2 * MIN_PART_BYTES) -> MultipartUpload:
        """An upload that sends a part each time `part_bytes` (at least 5 MiB) are written."""
        return MultipartUpload(self._client, self.bucket, key, content_type,
                               max(part_bytes, MIN_PART_BYTES))


class MultipartUpload:
    """Stream bytes into one object in parts of at least 5 MiB; aborted on error.

    The object becomes visible only when the upload completes, so a failure never
    leaves a partial archive behind.
    """

    def __init__(self, client: Any, bucket: str, key: str, content_type: str,
                 part_bytes: int = 2 * MIN_PART_BYTES) -> None:
        self._client, self._bucket, self._key = client, bucket, key
        self._content_type, self._part_bytes = content_type, part_bytes
        self._buffer = bytearray()
        self._parts: list[dict[str, Any]] = []
        self._upload_id = ""

    @translated
    async def __aenter__(self) -> Self:
        created = await self._client.create_multipart_upload(
            Bucket=self._bucket, Key=self._key, ContentType=self._content_type
        )
        self._upload_id = created["UploadId"]
        return self

    @translated
    async def write(self, data: bytes) -> None:
        self._buffer += data
        if len(self._buffer) >= self._part_bytes:
            await self._flush()

    async def _flush(self) -> None:
        number = len(self._parts) + 1
        part = await self._client.upload_part(
            Bucket=self._bucket, Key=self._key, UploadId=self._upload_id,
            PartNumber=number, Body=streamed(bytes(self._buffer)),
        )
        self._parts.append({"PartNumber": number, "ETag": part["ETag"]})
        self._buffer.clear()

    @translated
    async def __aexit__(self, exc_type: object, *rest: object) -> None:
        if exc_type is None:
            try:
                if self._buffer or not self._parts:
                    await self._flush()
                await self._client.complete_multipart_upload(
                    Bucket=self._bucket, Key=self._key, UploadId=self._upload_id,
                    MultipartUpload={"Parts": self._parts},
                )
                return
            except BaseException:
                await self._abort()
                raise
        await self._abort()

    async def _abort(self) -> None:
        # A stale upload is invisible to readers; a bucket lifecycle rule reclaims it.
        with contextlib.suppress(BotoCoreError, ClientError, OSError):
            await self._client.abort_multipart_upload(
                Bucket=self._bucket, Key=self._key, UploadId=self._upload_id
            )


def streamed(body: bytes) -> io.BytesIO:
    """A body the HTTP client sends 64 KiB at a time, yielding to the event loop between
    pieces: given as bytes, a 5 MB part is handed to one `send` call, which on loopback
    does the receiver's TCP work too and held the loop for tens of ms under load."""
    return io.BytesIO(body)


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))
