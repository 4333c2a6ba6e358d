"""``Session``: what the SDK's objects share (here: the client to this server)."""

from __future__ import annotations

from typing import Any

from ..client import Client
from .base import UnsupportedArgument, UsesClient, reject_unsupported


class Session(UsesClient):
    """The official ``sagemaker.Session``'s signature; it carries this server's client.

    Its AWS clients and config have nothing to reach here, so giving one raises.
    """

    def __init__(
        self,
        boto_session: Any = None,
        sagemaker_client: Any = None,
        sagemaker_runtime_client: Any = None,
        sagemaker_featurestore_runtime_client: Any = None,
        default_bucket: str | None = None,
        settings: Any = None,
        sagemaker_metrics_client: Any = None,
        sagemaker_config: dict[str, Any] | None = None,
        default_bucket_prefix: str | None = None,
        *,
        client: Client | None = None,
    ) -> None:
        reject_unsupported(
            "Session",
            Session.__init__,
            locals(),
            ("boto_session", "sagemaker_client", "sagemaker_runtime_client",
             "sagemaker_featurestore_runtime_client", "settings", "sagemaker_metrics_client",
             "sagemaker_config"),
        )  # fmt: skip
        self._default_bucket = default_bucket
        self.default_bucket_prefix = default_bucket_prefix
        self._client = client

    def default_bucket(self) -> str:
        """The bucket given to the constructor (there is no account to derive one from)."""
        if self._default_bucket is None:
            raise UnsupportedArgument(
                "Session.default_bucket(): no default bucket here; pass default_bucket= "
                "or use paths in your space (relative to the notebook's folder)."
            )
        return self._default_bucket


def session_client(owner: str, session: Any, client: Client | None) -> Client | None:
    """The client an object uses: ``client``, else its ``sagemaker_session``'s, else found
    lazily. Another SDK's session cannot reach this server, so it is refused."""
    if client is not None or session is None:
        return client
    if isinstance(session, Session):
        return session._client  # None: found when first needed, as the session's would be
    raise UnsupportedArgument(
        f"{owner}: sagemaker_session must be a jupyter_smstudio.sdk.Session "
        f"(got {type(session).__module__}.{type(session).__name__})."
    )
