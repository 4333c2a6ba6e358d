"""``SKLearn``, ``XGBoost``, ``PyTorch`` and their models and predictors, with the official
SDK's signatures: script-mode estimators and models whose code is yours.

The framework runs from the job's (or endpoint's) Python environment: the server's, plus
your ``requirements.txt``; ``framework_version``/``py_version`` are recorded, and an
``image_uri`` selects a container on the Docker backend. ``model_server_workers`` sets
``SAGEMAKER_MODEL_SERVER_WORKERS`` as the SDK does.
"""

from __future__ import annotations

from typing import Any, ClassVar

from .base import reject_unsupported
from .estimator import Estimator
from .model import Model, Predictor
from .serializers import CSVDeserializer, LibSVMSerializer, NumpyDeserializer, NumpySerializer


class _FrameworkPredictor(Predictor):
    """A predictor whose default (de)serializers are its framework's, as in the SDK."""

    serializer_cls: ClassVar[type[Any]] = NumpySerializer
    deserializer_cls: ClassVar[type[Any]] = NumpyDeserializer

    def __init__(
        self,
        endpoint_name: str,
        sagemaker_session: Any = None,
        serializer: Any = None,
        deserializer: Any = None,
        component_name: str | None = None,
        *,
        client: Any = None,
    ) -> None:
        super().__init__(
            endpoint_name,
            sagemaker_session,
            serializer or self.serializer_cls(),
            deserializer or self.deserializer_cls(),
            component_name,
            client=client,
        )


class SKLearnPredictor(_FrameworkPredictor):
    """NumPy in, NumPy out."""


class PyTorchPredictor(_FrameworkPredictor):
    """NumPy in, NumPy out."""


class XGBoostPredictor(_FrameworkPredictor):
    """LIBSVM text in, CSV out."""

    serializer_cls = LibSVMSerializer
    deserializer_cls = CSVDeserializer


#: The model server's switch to a framework container's default handlers (the server's
#: ``hosting.server.images.FRAMEWORK_ENV``; the kernel side cannot import it).
FRAMEWORK_ENV = "SMSTUDIO_FRAMEWORK"


class _FrameworkModel(Model):
    """A model served by a framework's inference code: ``entry_point`` is yours; what it
    leaves out (``model_fn``, ``input_fn``...) is the framework container's default."""

    framework: ClassVar[str]

    def __init__(
        self,
        model_data: str,
        role: str | None,
        entry_point: str | None,
        framework_version: str | None,
        py_version: str | None,
        image_uri: str | None,
        predictor_cls: Any,
        model_server_workers: int | None,
        **kwargs: Any,
    ) -> None:
        env = dict(kwargs.pop("env", None) or {})
        if model_server_workers is not None:
            env["SAGEMAKER_MODEL_SERVER_WORKERS"] = str(model_server_workers)
        env.setdefault(FRAMEWORK_ENV, self.framework)
        super().__init__(
            image_uri, model_data, role, predictor_cls, env, entry_point=entry_point, **kwargs
        )
        self.framework_version = framework_version
        self.py_version = py_version
        self.model_server_workers = model_server_workers


class SKLearnModel(_FrameworkModel):
    framework = "sklearn"

    def __init__(
        self,
        model_data: str,
        role: str | None = None,
        entry_point: str | None = None,
        framework_version: str | None = None,
        py_version: str = "py3",
        image_uri: str | None = None,
        predictor_cls: Any = SKLearnPredictor,
        model_server_workers: int | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(model_data, role, entry_point, framework_version, py_version,
                         image_uri, predictor_cls, model_server_workers, **kwargs)  # fmt: skip


class XGBoostModel(_FrameworkModel):
    framework = "xgboost"

    def __init__(
        self,
        model_data: str,
        role: str | None = None,
        entry_point: str | None = None,
        framework_version: str | None = None,
        image_uri: str | None = None,
        py_version: str = "py3",
        predictor_cls: Any = XGBoostPredictor,
        model_server_workers: int | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(model_data, role, entry_point, framework_version, py_version,
                         image_uri, predictor_cls, model_server_workers, **kwargs)  # fmt: skip


class PyTorchModel(_FrameworkModel):
    framework = "pytorch"

    def __init__(
        self,
        model_data: str,
        role: str | None = None,
        entry_point: str | None = None,
        framework_version: str = "1.3",
        py_version: str | None = None,
        image_uri: str | None = None,
        predictor_cls: Any = PyTorchPredictor,
        model_server_workers: int | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(model_data, role, entry_point, framework_version, py_version,
                         image_uri, predictor_cls, model_server_workers, **kwargs)  # fmt: skip


class _Framework(Estimator):
    """A script-mode estimator; ``create_model``/``deploy`` give its framework's model."""

    model_cls: ClassVar[type[Model]] = SKLearnModel

    def _setup(
        self,
        entry_point: str | None,
        framework_version: str | None,
        py_version: str | None,
        source_dir: str | None,
        hyperparameters: dict[str, Any] | None,
        image_uri: str | None,
        kwargs: dict[str, Any],
    ) -> None:
        super().__init__(
            image_uri,
            entry_point=entry_point,
            source_dir=source_dir,
            hyperparameters=hyperparameters,
            **kwargs,
        )
        self.framework_version = framework_version
        self.py_version = py_version

    def create_model(  # type: ignore[override]
        self,
        model_server_workers: int | None = None,
        role: str | None = None,
        vpc_config_override: Any = "VPC_CONFIG_DEFAULT",
        entry_point: str | None = None,
        source_dir: str | None = None,
        dependencies: list[str] | None = None,
        **kwargs: Any,
    ) -> Any:
        """This framework's model of the job's output, served by the code it trained with
        unless ``entry_point``/``source_dir`` name other code."""
        for key, value in (
            ("entry_point", entry_point),
            ("source_dir", source_dir),
            ("dependencies", dependencies),
        ):
            if value is not None:
                kwargs.setdefault(key, value)  # fmt: skip
        kwargs.setdefault("framework_version", self.framework_version)
        if self.py_version is not None:
            kwargs.setdefault("py_version", self.py_version)
        return self._model(self.model_cls, model_server_workers=model_server_workers,
                           role=role, **kwargs)  # fmt: skip

    def transformer(  # type: ignore[override]
        self,
        instance_count: int = 1,
        instance_type: str | None = None,
        strategy: str | None = None,
        assemble_with: str | None = None,
        output_path: str | None = None,
        output_kms_key: str | None = None,
        accept: str | None = None,
        env: dict[str, str] | None = None,
        max_concurrent_transforms: int | None = None,
        max_payload: int | None = None,
        tags: Any = None,
        role: str | None = None,
        model_server_workers: int | None = None,
        volume_kms_key: str | None = None,
        entry_point: str | None = None,
        vpc_config_override: Any = "VPC_CONFIG_DEFAULT",
        enable_network_isolation: bool | None = None,
        model_name: str | None = None,
    ) -> Any:
        """A ``Transformer`` for this job's model (served by the code it trained with)."""
        reject_unsupported(
            "transformer", _Framework.transformer, locals(), ("enable_network_isolation",)
        )
        model = self.create_model(model_server_workers, entry_point=entry_point, name=model_name)
        return model.transformer(
            instance_count, instance_type or self.instance_type, strategy, assemble_with,
            output_path, output_kms_key, accept, env, max_concurrent_transforms, max_payload,
            tags, volume_kms_key,
        )  # fmt: skip


class SKLearn(_Framework):
    model_cls = SKLearnModel

    def __init__(
        self,
        entry_point: str,
        framework_version: str | None = None,
        py_version: str = "py3",
        source_dir: str | None = None,
        hyperparameters: dict[str, Any] | None = None,
        image_uri: str | None = None,
        image_uri_region: str | None = None,
        **kwargs: Any,
    ) -> None:
        self._setup(entry_point, framework_version, py_version, source_dir, hyperparameters,
                    image_uri, kwargs)  # fmt: skip


class XGBoost(_Framework):
    model_cls = XGBoostModel

    def __init__(
        self,
        entry_point: str,
        framework_version: str,
        source_dir: str | None = None,
        hyperparameters: dict[str, Any] | None = None,
        py_version: str = "py3",
        image_uri: str | None = None,
        image_uri_region: str | None = None,
        **kwargs: Any,
    ) -> None:
        self._setup(entry_point, framework_version, py_version, source_dir, hyperparameters,
                    image_uri, kwargs)  # fmt: skip


class PyTorch(_Framework):
    model_cls = PyTorchModel

    def __init__(
        self,
        entry_point: str | None = None,
        framework_version: str | None = None,
        py_version: str | None = None,
        source_dir: str | None = None,
        hyperparameters: dict[str, Any] | None = None,
        image_uri: str | None = None,
        distribution: dict[str, Any] | None = None,
        compiler_config: Any = None,
        training_recipe: str | None = None,
        recipe_overrides: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        reject_unsupported(
            "PyTorch", PyTorch.__init__, locals(),
            ("distribution", "compiler_config", "training_recipe", "recipe_overrides"),
        )  # fmt: skip
        self._setup(entry_point, framework_version, py_version, source_dir, hyperparameters,
                    image_uri, kwargs)  # fmt: skip
