"""HTTP <-> hosting service (Jupyter-authenticated): models, configs, endpoints, invoke."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tornado.web import RequestHandler

from ..api.base import SMStudioHandler
from ..api.routes import ANY_BODY, Route, operation
from .models import (
    AccessKeyCreate,
    AccessKeyList,
    Endpoint,
    EndpointConfig,
    EndpointConfigCreate,
    EndpointConfigPage,
    EndpointConfigQuery,
    EndpointCreate,
    EndpointPage,
    EndpointQuery,
    EndpointUpdate,
    LogPage,
    LogQuery,
    MetricsQuery,
    MetricsSeries,
    Model,
    ModelCreate,
    ModelPage,
    ModelQuery,
    NewAccessKey,
)
from .service import HostingService
from .transform import handlers as transform_handlers

if TYPE_CHECKING:
    from tornado.httputil import HTTPServerRequest

    from .gateway import Invocation

TAG = "Endpoints"


async def invoke_with(
    hosting: HostingService, owner: str, name: str, request: HTTPServerRequest
) -> Invocation:
    """InvokeEndpoint with the body and headers of ``request``: one reading of the
    ``X-Amzn-SageMaker-*`` headers for the Lab route and the SigV4 route."""
    headers = request.headers
    return await hosting.invoke(
        owner,
        name,
        request.body or b"",
        headers.get("Content-Type", ""),
        headers.get("Accept"),
        headers.get("X-Amzn-SageMaker-Custom-Attributes"),
        headers.get("X-Amzn-SageMaker-Target-Variant"),
    )


def set_invocation_headers(
    handler: RequestHandler, result: Invocation, extra: dict[str, str] | None = None
) -> None:
    """The answer's headers as InvokeEndpoint sends them; the model's own come last."""
    handler.set_header("Content-Type", result.content_type)
    handler.set_header("x-Amzn-Invoked-Production-Variant", result.variant)
    for key, value in {**(extra or {}), **result.headers}.items():
        handler.set_header(key, value)


class HostingHandler(SMStudioHandler):
    @property
    def hosting(self) -> HostingService:
        return self.services.hosting


class ModelsHandler(HostingHandler):
    @operation("List your models", tag=TAG, query=ModelQuery, response=ModelPage)
    async def get(self) -> None:
        self.reply(await self.hosting.list_models(self.username, self.query(ModelQuery)))

    @operation(
        "Create a model from artifacts and inference code",
        tag=TAG,
        request=ModelCreate,
        response=Model,
        status=201,
        errors=(409,),
    )
    async def post(self) -> None:
        model = await self.hosting.create_model(self.username, self.body(ModelCreate))
        self.reply(model, 201)


class ModelHandler(HostingHandler):
    @operation("Describe a model", tag=TAG, response=Model, errors=(404,))
    async def get(self, name: str) -> None:
        self.reply(await self.hosting.get_model(self.username, name))

    @operation("Delete a model", tag=TAG, status=204, errors=(404,))
    async def delete(self, name: str) -> None:
        await self.hosting.delete_model(self.username, name)
        self.no_content()


class ConfigsHandler(HostingHandler):
    @operation(
        "List your endpoint configs",
        tag=TAG,
        query=EndpointConfigQuery,
        response=EndpointConfigPage,
    )
    async def get(self) -> None:
        self.reply(await self.hosting.list_configs(self.username, self.query(EndpointConfigQuery)))

    @operation(
        "Create an endpoint config (variants, weights, data capture)",
        tag=TAG,
        request=EndpointConfigCreate,
        response=EndpointConfig,
        status=201,
        errors=(404, 409),
    )
    async def post(self) -> None:
        config = await self.hosting.create_config(self.username, self.body(EndpointConfigCreate))
        self.reply(config, 201)


class ConfigHandler(HostingHandler):
    @operation("Describe an endpoint config", tag=TAG, response=EndpointConfig, errors=(404,))
    async def get(self, name: str) -> None:
        self.reply(await self.hosting.get_config(self.username, name))

    @operation("Delete an endpoint config", tag=TAG, status=204, errors=(404,))
    async def delete(self, name: str) -> None:
        await self.hosting.delete_config(self.username, name)
        self.no_content()


class EndpointsHandler(HostingHandler):
    @operation(
        "List your endpoints with status and traffic",
        tag=TAG,
        query=EndpointQuery,
        response=EndpointPage,
    )
    async def get(self) -> None:
        self.reply(await self.hosting.list_endpoints(self.username, self.query(EndpointQuery)))

    @operation(
        "Create an endpoint (starts Creating, then InService or Failed)",
        tag=TAG,
        request=EndpointCreate,
        response=Endpoint,
        status=201,
        errors=(404, 409),
    )
    async def post(self) -> None:
        endpoint = await self.hosting.create_endpoint(self.username, self.body(EndpointCreate))
        self.reply(endpoint, 201)


class EndpointHandler(HostingHandler):
    @operation("Describe an endpoint", tag=TAG, response=Endpoint, errors=(404,))
    async def get(self, name: str) -> None:
        self.reply(await self.hosting.get_endpoint(self.username, name))

    @operation(
        "Update an endpoint without downtime (rolls back if the new config fails)",
        tag=TAG,
        request=EndpointUpdate,
        response=Endpoint,
        errors=(404, 422),
    )
    async def put(self, name: str) -> None:
        body = self.body(EndpointUpdate)
        self.reply(await self.hosting.update_endpoint(self.username, name, body))

    @operation("Delete an endpoint and stop its instances", tag=TAG, status=204, errors=(404,))
    async def delete(self, name: str) -> None:
        await self.hosting.delete_endpoint(self.username, name)
        self.no_content()


class EndpointLogsHandler(HostingHandler):
    @operation(
        "Read an endpoint instance's log from a cursor",
        tag=TAG,
        query=LogQuery,
        response=LogPage,
        errors=(404,),
    )
    async def get(self, name: str) -> None:
        self.reply(await self.hosting.logs(self.username, name, self.query(LogQuery)))


class EndpointMetricsHandler(HostingHandler):
    @operation(
        "An endpoint's invocations, errors and latency over time (1h or 24h)",
        tag=TAG,
        query=MetricsQuery,
        response=MetricsSeries,
        errors=(404,),
    )
    async def get(self, name: str) -> None:
        query = self.query(MetricsQuery)
        self.reply(await self.hosting.endpoint_metrics(self.username, name, query))


class InvokeHandler(HostingHandler):
    @operation(
        "Invoke an endpoint: the raw body in, the model's response out",
        tag=TAG,
        errors=(404, 413, 415, 424, 503),
        raw_request=ANY_BODY,
        raw_response={
            "description": "The model's response, in its content type",
            "content": {"*/*": {}},
        },
        description="Headers as InvokeEndpoint: Content-Type, Accept, "
        "X-Amzn-SageMaker-Custom-Attributes, X-Amzn-SageMaker-Target-Variant. The answer "
        "carries x-Amzn-Invoked-Production-Variant and X-SMStudio-Latency-Ms.",
    )
    async def post(self, name: str) -> None:
        result = await invoke_with(self.hosting, self.username, name, self.request)
        latency = {"X-SMStudio-Latency-Ms": f"{result.latency_ms:.3f}"}
        set_invocation_headers(self, result, latency)
        # APIHandler.finish would otherwise label every body application/json.
        self.finish(result.body, set_content_type=result.content_type)


ROUTES = [
    Route("/models", ModelsHandler),
    Route("/models/{name}", ModelHandler, {"name": "Model name."}),
    Route("/endpoint-configs", ConfigsHandler),
    Route("/endpoint-configs/{name}", ConfigHandler, {"name": "Endpoint config name."}),
    Route("/endpoints", EndpointsHandler),
    Route("/endpoints/{name}", EndpointHandler, {"name": "Endpoint name."}),
    Route("/endpoints/{name}/logs", EndpointLogsHandler, {"name": "Endpoint name."}),
    Route("/endpoints/{name}/invocations", InvokeHandler, {"name": "Endpoint name."}),
    Route("/endpoints/{name}/metrics", EndpointMetricsHandler, {"name": "Endpoint name."}),
]


class AccessKeysHandler(HostingHandler):
    @operation(
        "List your access keys for the SigV4 runtime route (secrets are not shown)",
        tag=TAG,
        response=AccessKeyList,
    )
    async def get(self) -> None:
        self.reply(await self.services.access_keys.list(self.username))

    @operation(
        "Create an access key; its secret is shown only in this answer",
        tag=TAG,
        request=AccessKeyCreate,
        response=NewAccessKey,
        status=201,
        errors=(429,),
    )
    async def post(self) -> None:
        body = self.body(AccessKeyCreate)
        self.reply(await self.services.access_keys.create(self.username, body), 201)


class AccessKeyHandler(HostingHandler):
    @operation("Delete an access key", tag=TAG, status=204, errors=(404,))
    async def delete(self, access_key_id: str) -> None:
        await self.services.access_keys.delete(self.username, access_key_id)
        self.no_content()


ROUTES += [
    Route("/access-keys", AccessKeysHandler),
    Route("/access-keys/{access_key_id}", AccessKeyHandler, {"access_key_id": "Key id."}),
    *transform_handlers.ROUTES,
]
