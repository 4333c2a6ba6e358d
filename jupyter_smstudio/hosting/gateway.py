"""The invocation path: pick a variant by weight, forward to an instance, account for it.

A route (the variants and instance addresses of one deployment) is swapped
atomically on update, so new requests go to the new deployment at once while
requests already sent to the old one finish there (``drain`` waits for them).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import time
from dataclasses import dataclass, field

from ..errors import InvalidInput, NotFound, PayloadTooLarge
from .capture import CaptureWriter
from .errors import ModelError, ServiceUnavailable, UnsupportedMediaType
from .metrics import TrafficMetrics
from .upstream import UpstreamError, UpstreamPool

PAYLOAD_LIMIT = 6 * 1024 * 1024
INVOKE_TIMEOUT = 60.0
CUSTOM_ATTRIBUTES = "X-Amzn-SageMaker-Custom-Attributes"


@dataclass
class LiveInstance:
    address: str
    inflight: int = 0


@dataclass
class LiveVariant:
    name: str
    weight: float
    instances: list[LiveInstance]
    next: int = 0

    def pick(self) -> LiveInstance:
        """Least in-flight, round-robin among equals."""
        if not self.instances:  # every instance stopped; the service is replacing them
            raise ServiceUnavailable(
                f"Variant {self.name} has no running instance: it is being replaced. Retry shortly."
            )
        self.next = (self.next + 1) % len(self.instances)
        rotated = self.instances[self.next :] + self.instances[: self.next]
        return min(rotated, key=lambda i: i.inflight)


@dataclass
class Route:
    variants: list[LiveVariant]
    drained: asyncio.Event | None = None  # set once replaced and idle

    def pick(self, target: str | None) -> LiveVariant:
        if target is not None:
            for v in self.variants:
                if v.name == target:
                    return v
            raise InvalidInput(f"No variant named '{target}'", field="TargetVariant")
        weights = [v.weight for v in self.variants]
        return random.choices(self.variants, weights)[0]  # noqa: S311 - traffic split

    def inflight(self) -> int:
        return sum(i.inflight for v in self.variants for i in v.instances)


@dataclass
class LiveEndpoint:
    route: Route
    capture: CaptureWriter | None = None
    metrics: TrafficMetrics = field(default_factory=TrafficMetrics)


@dataclass(frozen=True)
class Invocation:
    body: bytes
    content_type: str
    variant: str
    headers: dict[str, str]
    latency_ms: float


def _error_message(body: bytes) -> tuple[str, str]:
    try:
        data = json.loads(body)
        return str(data.get("code", "")), str(data.get("message", ""))
    except (ValueError, AttributeError):
        return "", body.decode("utf-8", "replace")[:2000]


class Gateway:
    def __init__(self, timeout: float = INVOKE_TIMEOUT) -> None:
        self.live: dict[tuple[str, str], LiveEndpoint] = {}
        self.pool = UpstreamPool()
        self.timeout = timeout

    def publish(
        self, owner: str, name: str, route: Route, capture: CaptureWriter | None
    ) -> Route | None:
        """Make ``route`` serve the endpoint; returns the route it replaced (to drain)."""
        current = self.live.get((owner, name))
        if current is None:
            self.live[(owner, name)] = LiveEndpoint(route, capture)
            return None
        old = current.route
        current.route = route
        if current.capture is not capture and current.capture is not None:
            current.capture.close()
        current.capture = capture
        return old

    def withdraw(self, owner: str, name: str) -> Route | None:
        live = self.live.pop((owner, name), None)
        if live is None:
            return None
        if live.capture is not None:
            live.capture.close()
        return live.route

    @staticmethod
    async def drain(route: Route, timeout: float) -> None:
        """Wait (bounded) until requests already sent to a replaced route have finished."""
        route.drained = asyncio.Event()
        if route.inflight():
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(route.drained.wait(), timeout)

    def metrics(self, owner: str, name: str) -> TrafficMetrics | None:
        live = self.live.get((owner, name))
        return live.metrics if live else None

    async def ping(self, address: str, timeout: float = 2.0) -> bool:
        try:
            response = await self.pool.request(address, "GET", "/ping", b"", {}, timeout)
        except (UpstreamError, asyncio.TimeoutError):
            return False
        return response.status == 200

    async def invoke(
        self,
        owner: str,
        name: str,
        body: bytes,
        content_type: str,
        accept: str | None,
        custom_attributes: str | None = None,
        target_variant: str | None = None,
    ) -> Invocation:
        live = self.live.get((owner, name))
        if live is None:
            raise NotFound(f"Endpoint {name} not found.", field="EndpointName")
        if len(body) > PAYLOAD_LIMIT:
            raise PayloadTooLarge(
                f"The payload is {len(body)} bytes; the limit is {PAYLOAD_LIMIT} bytes (6 MB).",
                field="Body",
            )
        if custom_attributes is not None and (
            len(custom_attributes) > 1024 or not custom_attributes.isascii()
        ):
            raise InvalidInput(
                "CustomAttributes must be at most 1024 ASCII characters.", field="CustomAttributes"
            )
        route = live.route
        variant = route.pick(target_variant)
        instance = variant.pick()
        headers = {"Content-Type": content_type or "application/octet-stream"}
        if accept:
            headers["Accept"] = accept
        if custom_attributes is not None:
            headers[CUSTOM_ATTRIBUTES] = custom_attributes
        start = time.perf_counter()
        instance.inflight += 1
        try:
            response = await self.pool.request(
                instance.address, "POST", "/invocations", body, headers, self.timeout
            )
        except asyncio.TimeoutError:
            live.metrics.observe(time.perf_counter() - start, model_error=True)
            raise ModelError(
                f"Your invocation timed out after {self.timeout:g} s waiting for a response "
                f"from variant {variant.name}.",
                original_status=0,
                original_message="timeout",
            ) from None
        except UpstreamError as err:
            live.metrics.observe(time.perf_counter() - start, error=True)
            raise ServiceUnavailable(f"Variant {variant.name} is unavailable: {err}") from err
        finally:
            instance.inflight -= 1
            if route.drained is not None and not route.inflight():
                route.drained.set()
        elapsed = time.perf_counter() - start
        if response.status != 200:
            live.metrics.observe(
                elapsed,
                error=response.status < 500 and response.status != 424,
                model_error=response.status >= 500,
            )
            raise self._error(variant.name, response.status, response.body)
        live.metrics.observe(elapsed)
        out_type = response.headers.get("content-type", "application/json")
        if live.capture is not None and live.capture.sampled():
            live.capture.record(
                variant.name, body, content_type, response.body, out_type, custom_attributes
            )
        passed = {}
        if CUSTOM_ATTRIBUTES.lower() in response.headers:
            passed[CUSTOM_ATTRIBUTES] = response.headers[CUSTOM_ATTRIBUTES.lower()]
        return Invocation(response.body, out_type, variant.name, passed, elapsed * 1000)

    @staticmethod
    def _error(variant: str, status: int, body: bytes) -> Exception:
        code, message = _error_message(body)
        if status == 400 and code == "ValidationError":
            return InvalidInput(message, field="Body")
        if status == 415:
            return UnsupportedMediaType(message, field="ContentType")
        if status == 413:
            return PayloadTooLarge(message, field="Body")
        kind = "client" if status < 500 else "server"
        return ModelError(
            f'Received {kind} error ({status}) from variant {variant} with message "{message}".',
            original_status=status,
            original_message=message,
        )

    def close(self) -> None:
        for live in self.live.values():
            if live.capture is not None:
                live.capture.close()
        self.pool.close()
