"""The SDK's HyperparameterTuner builds SageMaker's request (signatures: test_sdk_signatures)."""

from __future__ import annotations

from jupyter_smstudio.sdk import (
    CategoricalParameter,
    ContinuousParameter,
    Estimator,
    HyperparameterTuner,
    IntegerParameter,
)


def test_the_tuner_sends_sagemaker_s_config_with_the_estimator_as_definition() -> None:
    est = Estimator(
        entry_point="/abs/train.py", instance_type="local", hyperparameters={"epochs": 3, "lr": 1},
        metric_definitions=[{"Name": "loss", "Regex": "loss=(.*)"}],
    )  # fmt: skip
    tuner = HyperparameterTuner(
        est, "acc",
        {"lr": ContinuousParameter(1e-4, 1, "Logarithmic"), "n": IntegerParameter(1, 4),
         "opt": CategoricalParameter(["sgd", 3])},
        metric_definitions=[{"Name": "acc", "Regex": "acc=(.*)"}],
        max_jobs=6, max_parallel_jobs=2, early_stopping_type="Auto", random_seed=5,
    )  # fmt: skip
    config = tuner._config()
    assert config == {
        "strategy": "Bayesian",
        "hyper_parameter_tuning_job_objective": {"type": "Maximize", "metric_name": "acc"},
        "resource_limits": {"max_number_of_training_jobs": 6, "max_parallel_training_jobs": 2},
        "parameter_ranges": {
            "integer_parameter_ranges": [
                {"name": "n", "min_value": 1, "max_value": 4, "scaling_type": "Auto"}
            ],
            "continuous_parameter_ranges": [
                {"name": "lr", "min_value": 1e-4, "max_value": 1, "scaling_type": "Logarithmic"}
            ],
            "categorical_parameter_ranges": [{"name": "opt", "values": ["sgd", "3"]}],
        },
        "training_job_early_stopping_type": "Auto",
        "random_seed": 5,
    }
    definition = tuner._definition({"train": "/abs/data"}, "t")
    assert definition["hyperparameters"] == {"epochs": 3}  # lr is tuned, not static
    assert [m["name"] for m in definition["metric_definitions"]] == ["loss", "acc"]
    assert definition["channels"] == {"train": {"path": "/abs/data"}}
    assert len(tuner._job_name()) <= 32
