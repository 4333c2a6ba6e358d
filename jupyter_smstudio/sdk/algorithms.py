"""SageMaker's built-in algorithm estimators (``sagemaker.LinearLearner``, ``KMeans``,
``PCA``), trained by this server's ``jupyter_smstudio.algorithms``, with the official
signatures.

``record_set`` writes numpy/scipy data as recordIO-protobuf into ``data_location`` (a
folder in your space; default ``./smstudio-records/<job prefix>``), as the SDK uploads it
to S3; ``fit(records)`` trains on those channels with ``feature_dim`` and
``mini_batch_size`` set as the SDK sets them. ``Estimator(image_uri=xgboost image)`` is
XGBoost's algorithm mode (no ``entry_point``): see ``estimator.training_request``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from .base import UnsupportedArgument, local_path
from .estimator import Estimator
from .jobs import stamped

RECORDIO = "application/x-recordio-protobuf"


@dataclass
class RecordSet:
    """Records written by ``record_set`` (the official ``RecordSet``'s fields)."""

    s3_data: str
    num_records: int
    feature_dim: int
    s3_data_type: str = "S3Prefix"
    channel: str = "train"
    distribution: str = "ShardedByS3Key"

    def records_s3_input(self) -> dict[str, Any]:
        return {"path": local_path(self.s3_data), "content_type": RECORDIO}


#: A subclass ``__init__``'s locals that are not the algorithm's hyperparameters.
_ESTIMATOR_ARGUMENTS = frozenset(
    {"self", "__class__", "role", "instance_count", "instance_type", "kwargs"}
)


class AmazonAlgorithm(Estimator):
    """What the first-party algorithm estimators share (``AmazonAlgorithmEstimatorBase``)."""

    ALGORITHM: ClassVar[str] = ""
    #: SDK argument -> the algorithm's hyperparameter name, where they differ.
    RENAMED: ClassVar[dict[str, str]] = {}
    #: Hyperparameters the SDK always sends for this algorithm.
    FIXED: ClassVar[dict[str, Any]] = {}

    def __init__(
        self,
        role: str | None = None,
        instance_count: int | None = None,
        instance_type: str | None = None,
        data_location: str | None = None,
        enable_network_isolation: bool = False,
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("base_job_name", self.ALGORITHM)
        super().__init__(
            role=role, instance_count=instance_count, instance_type=instance_type, **kwargs
        )
        self.data_location = data_location
        self.feature_dim: int | None = None
        self.mini_batch_size: int | None = None

    def _init_algorithm(self, arguments: Mapping[str, Any], **fixed: Any) -> None:
        """Set up from a subclass ``__init__``'s ``locals()``: the official signature
        stays spelled out there, the algorithm's parameters (all but the estimator's)
        become hyperparameters here; ``fixed`` overrides estimator arguments."""
        values = {k: v for k, v in arguments.items() if k not in _ESTIMATOR_ARGUMENTS}
        estimator = {k: arguments.get(k) for k in ("role", "instance_count", "instance_type")}
        AmazonAlgorithm.__init__(self, **{**estimator, **fixed}, **arguments["kwargs"])
        for name, value in values.items():
            if value is not None:
                self._hyperparameters[self.RENAMED.get(name, name)] = value

    def hyperparameters(self) -> dict[str, Any]:
        out = {**self.FIXED, **self._hyperparameters}
        if self.feature_dim is not None:
            out["feature_dim"] = self.feature_dim
        if self.mini_batch_size is not None:
            out["mini_batch_size"] = self.mini_batch_size
        return out

    def record_set(
        self,
        train: Any,
        labels: Any = None,
        channel: str = "train",
        encrypt: bool = False,
        distribution: str = "ShardedByS3Key",
    ) -> RecordSet:
        """``train`` (a numpy array or scipy sparse matrix) and ``labels`` as one recordIO
        file of a channel folder in ``data_location``."""
        if encrypt:
            raise UnsupportedArgument("record_set: encrypt=True is not supported here.")
        base = self.data_location or os.path.join("smstudio-records", self.base_job_name)
        folder = os.path.join(base, stamped(f"{self.ALGORITHM}-{channel}"))
        os.makedirs(folder, exist_ok=True)
        from ..algorithms import recordio  # numpy: only when records are written

        with open(os.path.join(folder, "matrix_0.pbr"), "wb") as f:
            recordio.write_matrix(f, train, labels)
        return RecordSet(
            folder, int(train.shape[0]), int(train.shape[1]), "S3Prefix", channel, distribution
        )

    def fit(  # type: ignore[override]
        self,
        records: Any,
        mini_batch_size: int | None = None,
        wait: bool = True,
        logs: bool = True,
        job_name: str | None = None,
        experiment_config: dict[str, str] | None = None,
    ) -> None:
        """Train on ``records`` (a ``RecordSet`` or a list of them, one per channel)."""
        sets = list(records) if isinstance(records, list | tuple) else [records]
        channels: dict[str, Any] = {}
        for record_set in sets:
            channels[record_set.channel] = (
                record_set.records_s3_input()
                if isinstance(record_set, RecordSet)
                else {"path": local_path(record_set.s3_data), "content_type": RECORDIO}
            )
            if record_set.channel == "train":
                self.feature_dim = int(record_set.feature_dim)
        if mini_batch_size is not None:
            self.mini_batch_size = mini_batch_size
        super().fit(channels, wait=wait, logs=logs, job_name=job_name,
                    experiment_config=experiment_config)  # fmt: skip

    def training_request(self, inputs: Any, name: str) -> dict[str, Any]:
        request = super().training_request(inputs, name)
        request["hyperparameters"] = self.hyperparameters()
        request["algorithm"] = self.ALGORITHM
        request.pop("image", None)
        return request


class LinearLearner(AmazonAlgorithm):
    """``sagemaker.LinearLearner``: linear classification and regression."""

    ALGORITHM = "linear-learner"

    def __init__(
        self,
        role: str | None = None,
        instance_count: int | None = None,
        instance_type: str | None = None,
        predictor_type: Any = None,
        binary_classifier_model_selection_criteria: Any = None,
        target_recall: Any = None,
        target_precision: Any = None,
        positive_example_weight_mult: Any = None,
        epochs: Any = None,
        use_bias: Any = None,
        num_models: Any = None,
        num_calibration_samples: Any = None,
        init_method: Any = None,
        init_scale: Any = None,
        init_sigma: Any = None,
        init_bias: Any = None,
        optimizer: Any = None,
        loss: Any = None,
        wd: Any = None,
        l1: Any = None,
        momentum: Any = None,
        learning_rate: Any = None,
        beta_1: Any = None,
        beta_2: Any = None,
        bias_lr_mult: Any = None,
        bias_wd_mult: Any = None,
        use_lr_scheduler: Any = None,
        lr_scheduler_step: Any = None,
        lr_scheduler_factor: Any = None,
        lr_scheduler_minimum_lr: Any = None,
        normalize_data: Any = None,
        normalize_label: Any = None,
        unbias_data: Any = None,
        unbias_label: Any = None,
        num_point_for_scaler: Any = None,
        margin: Any = None,
        quantile: Any = None,
        loss_insensitivity: Any = None,
        huber_delta: Any = None,
        early_stopping_patience: Any = None,
        early_stopping_tolerance: Any = None,
        num_classes: Any = None,
        accuracy_top_k: Any = None,
        f_beta: Any = None,
        balance_multiclass_weights: Any = None,
        **kwargs: Any,
    ) -> None:
        self._init_algorithm(locals())


class KMeans(AmazonAlgorithm):
    """``sagemaker.KMeans``: k clusters of the records."""

    ALGORITHM = "kmeans"
    RENAMED = {
        "max_iterations": "local_lloyd_max_iter",
        "tol": "local_lloyd_tol",
        "num_trials": "local_lloyd_num_trials",
        "local_init_method": "local_lloyd_init_method",
        "center_factor": "extra_center_factor",
    }
    FIXED: ClassVar[dict[str, Any]] = {"force_dense": True}

    def __init__(
        self,
        role: str | None = None,
        instance_count: int | None = None,
        instance_type: str | None = None,
        k: Any = None,
        init_method: Any = None,
        max_iterations: Any = None,
        tol: Any = None,
        num_trials: Any = None,
        local_init_method: Any = None,
        half_life_time_size: Any = None,
        epochs: Any = None,
        center_factor: Any = None,
        eval_metrics: Any = None,
        **kwargs: Any,
    ) -> None:
        self._init_algorithm(locals())


class PCA(AmazonAlgorithm):
    """``sagemaker.PCA``: the principal components of the records."""

    ALGORITHM = "pca"

    def __init__(
        self,
        role: str | None = None,
        instance_count: int | None = None,
        instance_type: str | None = None,
        num_components: Any = None,
        algorithm_mode: Any = None,
        subtract_mean: Any = None,
        extra_components: Any = None,
        **kwargs: Any,
    ) -> None:
        self._init_algorithm(locals())


# --- k-NN, Factorization Machines, Random Cut Forest, LDA (the official signatures) ---


class KNN(AmazonAlgorithm):
    """``sagemaker.KNN``: k-nearest-neighbors classification or regression."""

    ALGORITHM = "knn"

    def __init__(
        self,
        role: str | None = None,
        instance_count: int | None = None,
        instance_type: str | None = None,
        k: Any = None,
        sample_size: Any = None,
        predictor_type: Any = None,
        dimension_reduction_type: Any = None,
        dimension_reduction_target: Any = None,
        index_type: Any = None,
        index_metric: Any = None,
        faiss_index_ivf_nlists: Any = None,
        faiss_index_pq_m: Any = None,
        **kwargs: Any,
    ) -> None:
        self._init_algorithm(locals())
        if dimension_reduction_type and not dimension_reduction_target:
            raise ValueError(  # as the official KNN
                '"dimension_reduction_target" is required when "dimension_reduction_type" is set.'
            )


class FactorizationMachines(AmazonAlgorithm):
    """``sagemaker.FactorizationMachines``: a linear model with factorised interactions."""

    ALGORITHM = "factorization-machines"

    def __init__(
        self,
        role: str | None = None,
        instance_count: int | None = None,
        instance_type: str | None = None,
        num_factors: Any = None,
        predictor_type: Any = None,
        epochs: Any = None,
        clip_gradient: Any = None,
        eps: Any = None,
        rescale_grad: Any = None,
        bias_lr: Any = None,
        linear_lr: Any = None,
        factors_lr: Any = None,
        bias_wd: Any = None,
        linear_wd: Any = None,
        factors_wd: Any = None,
        bias_init_method: Any = None,
        bias_init_scale: Any = None,
        bias_init_sigma: Any = None,
        bias_init_value: Any = None,
        linear_init_method: Any = None,
        linear_init_scale: Any = None,
        linear_init_sigma: Any = None,
        linear_init_value: Any = None,
        factors_init_method: Any = None,
        factors_init_scale: Any = None,
        factors_init_sigma: Any = None,
        factors_init_value: Any = None,
        **kwargs: Any,
    ) -> None:
        self._init_algorithm(locals())


class RandomCutForest(AmazonAlgorithm):
    """``sagemaker.RandomCutForest``: anomaly scores from a forest of random cut trees."""

    ALGORITHM = "randomcutforest"
    #: The official estimator's fixed mini-batch size.
    MINI_BATCH_SIZE = 1000

    def __init__(
        self,
        role: str | None = None,
        instance_count: int | None = None,
        instance_type: str | None = None,
        num_samples_per_tree: Any = None,
        num_trees: Any = None,
        eval_metrics: Any = None,
        **kwargs: Any,
    ) -> None:
        self._init_algorithm(locals())

    def fit(  # type: ignore[override]
        self,
        records: Any,
        mini_batch_size: int | None = None,
        wait: bool = True,
        logs: bool = True,
        job_name: str | None = None,
        experiment_config: dict[str, str] | None = None,
    ) -> None:
        if mini_batch_size is not None and mini_batch_size != self.MINI_BATCH_SIZE:
            raise ValueError(
                f"Random Cut Forest uses a fixed mini_batch_size of {self.MINI_BATCH_SIZE}"
            )
        super().fit(records, self.MINI_BATCH_SIZE, wait, logs, job_name, experiment_config)


class LDA(AmazonAlgorithm):
    """``sagemaker.LDA``: topics of word-count documents (one instance, as on SageMaker)."""

    ALGORITHM = "lda"

    def __init__(
        self,
        role: str | None = None,
        instance_type: str | None = None,
        num_topics: Any = None,
        alpha0: Any = None,
        max_restarts: Any = None,
        max_iterations: Any = None,
        tol: Any = None,
        **kwargs: Any,
    ) -> None:
        if kwargs.pop("instance_count", None) not in (None, 1):
            raise ValueError("LDA only supports single instance training.")  # as the SDK
        self._init_algorithm(locals(), instance_count=1)

    def fit(  # type: ignore[override]
        self,
        records: Any,
        mini_batch_size: int | None = None,
        wait: bool = True,
        logs: bool = True,
        job_name: str | None = None,
        experiment_config: dict[str, str] | None = None,
    ) -> None:
        if mini_batch_size is None:
            raise ValueError("mini_batch_size must be set")  # as the official LDA
        super().fit(records, mini_batch_size, wait, logs, job_name, experiment_config)
