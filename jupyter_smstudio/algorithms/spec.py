"""One machine-readable description per built-in algorithm: hyperparameters, channels,
content types and metrics, as the algorithm's SageMaker documentation states them.

The same :class:`AlgorithmSpec` validates a job's hyperparameters (at create time on the
server and again inside the job), and :meth:`AlgorithmSpec.to_json` feeds the Lab's forms
and ``GET /smstudio/api/algorithms``: one source, so the form and the job cannot disagree.
Job-side code: imports nothing of the server.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, Protocol

if TYPE_CHECKING:
    from .formats import Dataset
    from .metrics import MetricLogger

HyperType = Literal["int", "float", "str", "bool", "list"]
AUTO = "auto"


class AlgorithmError(Exception):
    """A job failure with SageMaker's wording: ``ClientError: ...`` for the user's input
    (bad hyperparameter, bad data), ``AlgorithmError: ...`` for a failure while training.

    ``field`` names the hyperparameter at fault (the REST layer turns it into
    ``hyperparameters.<name>``); ``str(err)`` is the FailureReason.
    """

    def __init__(self, message: str, field: str | None = None, kind: str = "ClientError"):
        self.kind = kind
        self.field = field
        self.detail = message
        super().__init__(f"{kind}: {message}")


def client_error(message: str, field: str | None = None) -> AlgorithmError:
    return AlgorithmError(message, field)


@dataclass(frozen=True)
class Hyperparameter:
    """One documented hyperparameter.

    ``range`` is inclusive (``None`` for an open end); ``exclusive_min`` makes the lower end
    open (``eta`` in (0, 1]...). ``auto`` allows the literal ``"auto"`` besides typed values
    (Linear Learner's ``feature_dim``...), kept as the string ``"auto"``. A ``list`` is a
    comma-separated string or a JSON list; ``item`` is its items' type.
    """

    name: str
    type: HyperType
    doc: str
    default: Any = None
    required: bool = False
    range: tuple[float | None, float | None] | None = None
    exclusive_min: bool = False
    choices: tuple[str, ...] | None = None
    auto: bool = False
    item: HyperType = "str"

    def parse(self, raw: Any) -> Any:
        """The typed value of ``raw`` (a string as SageMaker passes them, or a JSON value)."""
        text = raw if isinstance(raw, str) else json.dumps(raw)
        text = text.strip()
        if len(text) >= 2 and text[0] == text[-1] == '"':  # the SDK's json-encoded strings
            text = text[1:-1]
        if self.auto and text.lower() == AUTO:
            return AUTO
        value = _convert(self.name, self.type, text, self.item)
        self._check(value)
        return value

    def _check(self, value: Any) -> None:
        values = value if isinstance(value, list) else [value]
        for v in values:
            if self.choices is not None and str(v) not in self.choices:
                allowed = ", ".join(self.choices)
                raise client_error(
                    f"Invalid value for hyperparameter {self.name}: {v!r}; "
                    f"allowed values: {allowed}.",
                    self.name,
                )
            if self.range is not None and isinstance(v, int | float) and not isinstance(v, bool):
                low, high = self.range
                below = low is not None and (v <= low if self.exclusive_min else v < low)
                if below or (high is not None and v > high):
                    raise client_error(
                        f"Invalid value for hyperparameter {self.name}: {v}; "
                        f"{self.name} must be in {self.describe_range()}.",
                        self.name,
                    )

    def describe_range(self) -> str:
        if self.range is None:
            return ""
        low, high = self.range
        left = "(" if self.exclusive_min or low is None else "["
        right = "]" if high is not None else ")"
        start = "-inf" if low is None else _num(low)
        end = "inf" if high is None else _num(high)
        return f"{left}{start}, {end}{right}"

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "name": self.name,
            "type": self.type,
            "required": self.required,
            "default": self.default,
            "doc": self.doc,
        }
        if self.range is not None:
            out["range"] = {
                "min": self.range[0],
                "max": self.range[1],
                "exclusive_min": self.exclusive_min,
            }
        if self.choices is not None:
            out["choices"] = list(self.choices)
        if self.auto:
            out["auto"] = True
        if self.type == "list":
            out["item"] = self.item
        return out


def _num(v: float) -> str:
    return str(int(v)) if float(v).is_integer() else str(v)


def _convert(name: str, kind: HyperType, text: str, item: HyperType) -> Any:
    def bad(what: str) -> AlgorithmError:
        return client_error(
            f"Invalid value for hyperparameter {name}: {text!r} is not {what}.", name
        )

    if kind == "int":
        try:
            number = float(text)
        except ValueError:
            raise bad("an integer") from None
        if not math.isfinite(number) or not number.is_integer():
            raise bad("an integer")
        return int(number)
    if kind == "float":
        try:
            value = float(text)
        except ValueError:
            raise bad("a number") from None
        if math.isnan(value):
            raise bad("a number")
        return value
    if kind == "bool":
        lowered = text.lower()
        if lowered in ("true", "1"):
            return True
        if lowered in ("false", "0"):
            return False
        raise bad("a boolean (true or false)")
    if kind == "list":
        if text.startswith("["):
            try:
                parts = [str(p) for p in json.loads(text)]
            except (ValueError, TypeError):
                raise bad("a list") from None
        else:
            parts = [p.strip() for p in text.split(",") if p.strip()]
        return [_convert(name, item, p, "str") for p in parts]
    return text


#: Hyperparameters the SDK adds to every job; never an algorithm's, never rejected.
RESERVED_PREFIX = "sagemaker_"


@dataclass(frozen=True)
class MetricSpec:
    """A metric the algorithm logs, with the regex that reads it from the job's log."""

    name: str  # e.g. "validation:auc"
    regex: str
    goal: Literal["Minimize", "Maximize"] = "Minimize"

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "regex": self.regex, "goal": self.goal}


@dataclass(frozen=True)
class AlgorithmSpec:
    """An algorithm as its documentation describes it.

    ``repositories`` are the ECR repository names of the images the official SDK resolves
    (``image_uris.retrieve``) for it; ``check`` validates across hyperparameters (after
    each is typed) and raises :class:`AlgorithmError`. ``strict`` rejects unknown names,
    as the first-party algorithms do (XGBoost ignores them).
    """

    name: str
    title: str
    doc: str
    hyperparameters: tuple[Hyperparameter, ...]
    channels: tuple[str, ...] = ("train", "validation", "test")
    required_channels: tuple[str, ...] = ("train",)
    #: What channels may hold; the first is what a channel without ContentType holds (the
    #: SageMaker algorithms' own default: recordIO-protobuf, libsvm for XGBoost).
    content_types: tuple[str, ...] = ("application/x-recordio-protobuf", "text/csv")
    response_types: tuple[str, ...] = (
        "application/json",
        "application/jsonlines",
        "text/csv",
        "application/x-recordio-protobuf",
    )
    metrics: tuple[MetricSpec, ...] = ()
    repositories: tuple[str, ...] = ()
    strict: bool = True
    check: Callable[[dict[str, Any]], None] | None = None
    #: The documented record keys of one prediction (``score``, ``closest_cluster``...).
    output_keys: tuple[str, ...] = ()
    #: The JSON response's top-level key: ``predictions`` (most), ``projections`` (PCA),
    #: ``scores`` (Random Cut Forest).
    response_key: str = "predictions"
    #: Leading CSV/Parquet columns that are the label (0 for unsupervised algorithms).
    label_size: int = 1
    #: A boolean hyperparameter that makes the column after the label a weight (XGBoost's
    #: ``csv_weights``).
    weights_hyperparameter: str | None = None
    #: Trains across hosts itself; otherwise only the first host trains.
    distributed: bool = False
    extra: Mapping[str, Any] = field(default_factory=dict)

    def hyperparameter(self, name: str) -> Hyperparameter | None:
        return next((h for h in self.hyperparameters if h.name == name), None)

    def validate(self, raw: Mapping[str, Any]) -> dict[str, Any]:
        """Typed hyperparameters with defaults filled in, or :class:`AlgorithmError`."""
        known = {h.name: h for h in self.hyperparameters}
        values: dict[str, Any] = {}
        for name, value in raw.items():
            if name.startswith(RESERVED_PREFIX) or name.startswith("_"):
                continue
            spec = known.get(name)
            if spec is None:
                if self.strict:
                    raise client_error(
                        f"Additional hyperparameters are not allowed ({name!r} was "
                        f"unexpected); {self.title} takes: {', '.join(sorted(known))}.",
                        name,
                    )
                continue
            values[name] = spec.parse(value)
        missing = [h.name for h in self.hyperparameters if h.required and h.name not in values]
        if missing:
            raise client_error(f"Missing required hyperparameter: {', '.join(missing)}", missing[0])
        for h in self.hyperparameters:
            if h.name not in values and h.default is not None:
                values[h.name] = h.default
        if self.check is not None:
            self.check(values)
        return values

    def metric_definitions(self) -> list[dict[str, str]]:
        """``[{"name", "regex"}]`` as a job's metric definitions take them."""
        return [{"name": m.name, "regex": m.regex} for m in self.metrics]

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "title": self.title,
            "doc": self.doc,
            "hyperparameters": [h.to_json() for h in self.hyperparameters],
            "channels": list(self.channels),
            "required_channels": list(self.required_channels),
            "content_types": list(self.content_types),
            "response_types": list(self.response_types),
            "metrics": [m.to_json() for m in self.metrics],
            "repositories": list(self.repositories),
            "output_keys": list(self.output_keys),
            "response_key": self.response_key,
            "distributed": self.distributed,
        }


class Model(Protocol):
    """A trained algorithm loaded for inference."""

    def predict(self, X: Any) -> list[dict[str, Any]]:
        """One record per row, with the algorithm's documented keys."""
        ...


@dataclass
class TrainContext:
    """What an algorithm's ``train(ctx)`` gets.

    ``channels`` are the channels that have data, read with their content type;
    ``hyperparameters`` are validated and typed (defaults filled in). The algorithm writes
    its artifacts under ``model_dir`` and its metrics through ``metrics``. ``hosts`` and
    ``current_host`` come from resourceconfig.json (``algo-1``...); an algorithm that does
    not train across hosts trains on the first host only (the others exit 0 at once).
    """

    channels: dict[str, Dataset]
    hyperparameters: dict[str, Any]
    model_dir: str
    metrics: MetricLogger
    hosts: list[str] = field(default_factory=lambda: ["algo-1"])
    current_host: str = "algo-1"
    output_data_dir: str = "/opt/ml/output/data"
    #: ``{channel: content type}`` as the job named them (None: the algorithm's default).
    content_types: dict[str, str | None] = field(default_factory=dict)

    @property
    def num_hosts(self) -> int:
        return len(self.hosts)

    @property
    def is_master(self) -> bool:
        return self.current_host == (sorted(self.hosts)[0] if self.hosts else self.current_host)
