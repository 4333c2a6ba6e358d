"""Server-wide routes: status and the OpenAPI document."""

from __future__ import annotations

from pydantic import BaseModel, Field

from .. import __version__
from ..timeutil import now_ms
from .base import SMStudioHandler
from .routes import Route, operation

TAG = "Server"


class UserInfo(BaseModel):
    username: str
    display_name: str


class Features(BaseModel):
    """Which capability areas this server offers (panels hide what is off)."""

    spaces: bool = True
    training: bool = True
    endpoints: bool = True
    wrangler: bool = True
    tuning: bool = True
    experiments: bool = True


class CurrentSpace(BaseModel):
    name: str
    profile: str


class ServerStatus(BaseModel):
    version: str
    aws_endpoints: dict[str, str] = Field(
        default_factory=dict, description="AWS_ENDPOINT_URL_* of boto3 clients for this server."
    )
    user: UserInfo
    server_time_ms: int
    schema_versions: dict[str, int]
    features: Features
    current_space: CurrentSpace | None = None
    tracking_uri: str | None = Field(
        None, description="MLFLOW_TRACKING_URI for clients of this server (None: no MLflow)."
    )
    spaces_folder: str | None = Field(
        None, description="Where each space's files appear in the contents API "
        "(<folder>/<space>); null: spaces are not in the file browser.",
    )  # fmt: skip


class StatusHandler(SMStudioHandler):
    @operation("Server version, current user and enabled features", tag=TAG, response=ServerStatus)
    async def get(self) -> None:
        await self.services.db.open()
        user = self.current_user
        self.reply(
            ServerStatus(
                version=__version__,
                user=UserInfo(
                    username=self.username,
                    display_name=(
                        self.username
                        if self.services.owners.is_single(self.identity_provider)
                        else user.display_name or self.username
                    ),
                ),
                server_time_ms=now_ms(),
                schema_versions=self.services.db.schema_versions,
                features=Features(
                    wrangler=self.services.wrangler.available,
                    tuning=self.services.tuning.available,
                    experiments=self.services.experiments.available,
                ),
                tracking_uri=self.services.experiments.tracking_uri(
                    f"{self.request.protocol}://{self.request.host}{self.base_url}"
                ),
                spaces_folder=self.services.spaces.folders.folder or None,
                aws_endpoints=self.services.aws.endpoints(self.server_url),
            )
        )


class OpenAPIHandler(SMStudioHandler):
    @operation(
        "This API's OpenAPI 3.1 document",
        tag=TAG,
        raw_response={
            "description": "OpenAPI document",
            "content": {"application/json": {"schema": {"type": "object"}}},
        },
    )
    async def get(self) -> None:
        self.reply(self.settings["smstudio_openapi"])


ROUTES = [
    Route("/status", StatusHandler),
    Route("/openapi.json", OpenAPIHandler),
]
