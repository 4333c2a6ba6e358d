"""The AWS endpoint: SageMaker and CloudWatch Logs (AWS JSON 1.1) and STS (query).

``boto3.client("sagemaker", endpoint_url="<server>/smstudio/aws/")`` (or
``AWS_ENDPOINT_URL_SAGEMAKER``), and likewise ``logs`` and ``sts``, all reach
``POST /smstudio/aws/``: the JSON services name their operation in
``X-Amz-Target`` (``SageMaker.CreateTrainingJob``, ``Logs_20140328.GetLogEvents``),
STS in the form field ``Action``. Every request is signed with SigV4 by one of the
caller's access keys, scoped to the service it calls. Errors are what botocore
parses: ``{"__type", "message"}`` with ``x-amzn-ErrorType`` for the JSON
services, ``<ErrorResponse>`` XML for STS.
"""

from __future__ import annotations

import json
import logging
import uuid
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl
from xml.sax.saxutils import escape

from pydantic import RootModel

from ..api.base import SMStudioHandler
from ..api.routes import ANY_BODY, Route, operation
from .endpoint_weights import OPERATIONS as WEIGHT_OPERATIONS
from .environment import environment
from .faults import AwsFault
from .hosting import OPERATIONS as HOSTING_OPERATIONS
from .lifecycle import OPERATIONS as LIFECYCLE_OPERATIONS
from .logs import OPERATIONS as LOGS_OPERATIONS
from .model_packages import OPERATIONS as MODEL_PACKAGE_OPERATIONS
from .processing import OPERATIONS as PROCESSING_OPERATIONS
from .protocol import Call, Operation, dispatch
from .runtime import AWS_JSON, AwsError, SignedHandler
from .search import OPERATIONS as SEARCH_OPERATIONS
from .sigv4 import SignatureError
from .spaces import OPERATIONS as SPACE_OPERATIONS
from .studio import OPERATIONS as STUDIO_OPERATIONS
from .tags import OPERATIONS as TAG_OPERATIONS
from .training import OPERATIONS as TRAINING_OPERATIONS
from .transform import OPERATIONS as TRANSFORM_OPERATIONS
from .tuning import OPERATIONS as TUNING_OPERATIONS

if TYPE_CHECKING:
    from ..services import Services

log = logging.getLogger(__name__)
AWS_PREFIX = "/smstudio/aws"
#: X-Amz-Target prefix -> (signing name, botocore service, operations).
JSON_SERVICES: dict[str, tuple[str, str, dict[str, Operation]]] = {
    "SageMaker": (
        "sagemaker",
        "sagemaker",
        {
            **TRAINING_OPERATIONS,
            **PROCESSING_OPERATIONS,
            **TRANSFORM_OPERATIONS,
            **HOSTING_OPERATIONS,
            **TAG_OPERATIONS,
            **STUDIO_OPERATIONS,
            **SPACE_OPERATIONS,
            **LIFECYCLE_OPERATIONS,
            **TUNING_OPERATIONS,
            **WEIGHT_OPERATIONS,
            **MODEL_PACKAGE_OPERATIONS,
            **SEARCH_OPERATIONS,
        },
    ),
    "Logs_20140328": ("logs", "logs", LOGS_OPERATIONS),
}
STS_NAMESPACE = "https://sts.amazonaws.com/doc/2011-06-15/"
FORM = "application/x-www-form-urlencoded"
#: The query protocol's names for the signature errors (STS's own codes).
STS_CODES = {
    "UnrecognizedClientException": "InvalidClientTokenId",
    "InvalidSignatureException": "SignatureDoesNotMatch",
    "MissingAuthenticationTokenException": "MissingAuthenticationToken",
    "IncompleteSignatureException": "IncompleteSignature",
}


class AwsHandler(SignedHandler):
    """Authenticates each request by its signature, scoped to the service it calls."""

    @operation(
        "SageMaker and CloudWatch Logs (AWS JSON 1.1) and STS (query), signed with SigV4",
        tag="AWS",
        security=("sigv4",),
        raw_request=ANY_BODY,
        raw_response={
            "description": "The operation's answer, shaped by botocore's service model",
            "content": {AWS_JSON: {}, "text/xml": {}},
        },
        errors=(400, 403),
        error_model=AwsError,
        error_media_type=AWS_JSON,
        description="`X-Amz-Target: SageMaker.<Operation>` or `Logs_20140328.<Operation>` "
        "with the operation's JSON input; STS `Action=GetCallerIdentity` as a form. "
        'Errors are `{"__type", "message"}` with `x-amzn-ErrorType` (STS: XML).',
    )
    async def post(self) -> None:
        target = self.request.headers.get("X-Amz-Target", "")
        form = self.request.headers.get("Content-Type", "").startswith(FORM)
        if not target and form and "Action" in self._form():
            await self._sts()
            return
        prefix, _, name = target.partition(".")
        try:
            signing, service, operations = JSON_SERVICES.get(prefix, ("sagemaker", "", {}))
            owner = await self.signer(signing)
            if not service:
                raise AwsFault("UnknownOperationException", f"Unknown target '{target}'.")
            try:
                params = json.loads(self.request.body or b"{}")
            except ValueError:
                raise AwsFault("SerializationException", "The body is not JSON.") from None
            answer = await dispatch(service, operations, name, Call(owner, self.services), params)
        except SignatureError as err:
            self._json_error(AwsFault(err.code, err.message, 403))
            return
        except AwsFault as err:
            self._json_error(err)
            return
        self.set_header("Content-Type", AWS_JSON)
        self.finish(json.dumps(answer))

    def _json_error(self, fault: AwsFault) -> None:
        log.info("%s refused: %s %s", self.request.headers.get("X-Amz-Target"), fault.code, fault)
        self.set_status(fault.status)
        self.set_header("Content-Type", AWS_JSON)
        self.set_header("x-amzn-ErrorType", fault.code)
        body = AwsError(type=fault.code, message=fault.message)
        self.finish(body.model_dump_json(by_alias=True, exclude_none=True))

    async def _sts(self) -> None:
        """STS, query protocol: only GetCallerIdentity (what the SDK and scripts ask)."""
        action = self._form().get("Action", "")
        try:
            owner = await self.signer("sts")
            if action != "GetCallerIdentity":
                raise AwsFault("InvalidAction", f"Could not find operation {action or '(none)'}.")
            key_id = _key_id(self.request.headers.get("Authorization", ""))
            self._xml(200, caller_identity(self.services, owner, key_id))
        except SignatureError as err:
            self._sts_error(AwsFault(STS_CODES.get(err.code, err.code), err.message, 403))
        except AwsFault as err:
            self._sts_error(err)

    def _form(self) -> dict[str, str]:
        return dict(parse_qsl((self.request.body or b"").decode("utf-8", "replace")))

    def _sts_error(self, fault: AwsFault) -> None:
        request_id = uuid.uuid4()
        self.set_header("x-amzn-ErrorType", fault.code)
        self._xml(
            fault.status,
            f'<ErrorResponse xmlns="{STS_NAMESPACE}"><Error><Type>Sender</Type>'
            f"<Code>{escape(fault.code)}</Code><Message>{escape(fault.message)}</Message>"
            f"</Error><RequestId>{request_id}</RequestId></ErrorResponse>",
        )

    def _xml(self, status: int, text: str) -> None:
        self.set_status(status)
        self.set_header("Content-Type", "text/xml")
        self.finish(text)


def _key_id(authorization: str) -> str:
    return authorization.partition("Credential=")[2].partition("/")[0]


def caller_identity(services: Services, owner: str, key_id: str) -> str:
    """GetCallerIdentity's answer, as a Studio kernel sees it: the execution role,
    assumed in a session named after the key's owner (the SDK turns it into the role's
    ARN for ``get_execution_role``)."""
    config = services.aws.config
    account = config.account_for(owner)
    role = config.role_arn(owner).rpartition("/")[2]
    arn = f"arn:aws:sts::{account}:assumed-role/{role}/{owner}"
    fields: dict[str, Any] = {
        "UserId": f"{key_id}:{owner}",
        "Account": account,
        "Arn": arn,
    }
    inner = "".join(f"<{k}>{escape(str(v))}</{k}>" for k, v in fields.items())
    return (
        f'<GetCallerIdentityResponse xmlns="{STS_NAMESPACE}">'
        f"<GetCallerIdentityResult>{inner}</GetCallerIdentityResult>"
        f"<ResponseMetadata><RequestId>{uuid.uuid4()}</RequestId></ResponseMetadata>"
        "</GetCallerIdentityResponse>"
    )


class Environment(RootModel[dict[str, str]]):
    """Variable -> value, as a kernel of the calling user gets them."""


class EnvironmentHandler(SMStudioHandler):
    @operation(
        "The AWS variables a kernel of yours gets (creates your environment key once)",
        tag="AWS",
        response=Environment,
        description="AWS_ENDPOINT_URL_SAGEMAKER, _SAGEMAKER_RUNTIME, _STS, "
        "_CLOUDWATCH_LOGS, AWS_REGION, AWS_DEFAULT_REGION and an access key of yours, "
        "for boto3 or the SageMaker SDK outside Jupyter (`jupyter smstudio env`).",
    )
    async def post(self) -> None:
        values = await environment(self.services, self.username, self.server_url)
        self.reply(Environment(values))


class AwsNoSlashHandler(AwsHandler):
    """The same endpoint written without its trailing slash (both are common)."""


ROUTES = [
    Route("/environment", EnvironmentHandler),
    Route("/", AwsHandler, prefix=AWS_PREFIX),
    Route("", AwsNoSlashHandler, prefix=AWS_PREFIX),
]
