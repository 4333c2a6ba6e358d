"""The contract's encodings, checked against what the SageMaker training toolkit produces."""

from __future__ import annotations

import json

from jupyter_smstudio.training import contract


def test_cmd_args_sort_keys_use_short_flags_and_str_values() -> None:
    hps = {"z": 1, "epochs": 10, "use_cuda": True, "lr": 0.01, "opt": {"b": 2, "a": "x"},
           "layers": [1, 2], "name": "adam", "none": None}  # fmt: skip
    assert contract.to_cmd_args(hps) == [
        "--epochs", "10", "--layers", "[1, 2]", "--lr", "0.01", "--name", "adam",
        "--none", "None", "--opt", "a=x,b=2", "--use_cuda", "True", "-z", "1",
    ]  # fmt: skip


def test_env_values_are_compact_sorted_json_except_strings() -> None:
    assert contract.env_value("adam") == "adam"
    assert contract.env_value(True) == "true"
    assert contract.env_value(None) == ""
    assert contract.env_value({"b": 1, "a": [1, 2]}) == '{"a":[1,2],"b":1}'
    assert contract.env_value(0.5) == "0.5"


def test_hyperparameters_round_trip_like_the_sdk_and_toolkit() -> None:
    encoded = contract.encode_hyperparameters({"epochs": 5, "opt": "adam", "flag": False})
    assert encoded == {"epochs": "5", "opt": '"adam"', "flag": "false"}
    decoded = contract.decode_hyperparameters({**encoded, "raw": "not json {"})
    assert decoded == {"epochs": 5, "opt": "adam", "flag": False, "raw": "not json {"}


def test_reserved_and_sagemaker_keys_are_not_the_users() -> None:
    user, framework = contract.split_hyperparameters({
        "sagemaker_program": "t.py", "sagemaker_submit_directory": "s3://x",
        "_tuning_objective_metric": "loss", "default_user_module_name": "m",
        "sagemaker_distributed_dataparallel_enabled": True, "lr": 1,
    })  # fmt: skip
    assert user == {"lr": 1}
    assert set(framework) == {"sagemaker_program", "sagemaker_submit_directory",
                              "_tuning_objective_metric", "default_user_module_name",
                              "sagemaker_distributed_dataparallel_enabled"}  # fmt: skip
    ctx = contract.JobContext(
        job_name="j", entry_point="t.py", instance_type="ml.m5.large",
        hyperparameters=contract.encode_hyperparameters(
            {"sagemaker_distributed_dataparallel_enabled": True, "lr": 1}),
        channels={},
    )  # fmt: skip
    env = contract.sm_environment(ctx)
    assert json.loads(env["SM_FRAMEWORK_PARAMS"]) == {
        "sagemaker_distributed_dataparallel_enabled": True
    }
    assert json.loads(env["SM_HPS"]) == {"lr": 1}


def test_multi_host_environment() -> None:
    hosts = contract.hosts_of(3)
    ctx = contract.JobContext(job_name="j", entry_point="t.py", instance_type="ml.m5.large",
                              hyperparameters={}, channels={"train": None}, hosts=hosts,
                              current_host="algo-2")  # fmt: skip
    env = contract.sm_environment(ctx)
    assert env["SM_HOSTS"] == '["algo-1","algo-2","algo-3"]'
    assert env["SM_CURRENT_HOST"] == "algo-2"
    assert env["SM_CURRENT_HOST_RANK"] == "1"
    assert env["SM_MASTER_ADDR"] == "algo-1"
    assert env["SM_CHANNEL_TRAIN"] == "/opt/ml/input/data/train"
    assert contract.input_data_config(ctx)["train"] == {
        "TrainingInputMode": "File", "S3DistributionType": "FullyReplicated",
        "RecordWrapperType": "None",
    }  # fmt: skip
    assert not json.loads(env["SM_TRAINING_ENV"])["is_master"]


def test_script_modes() -> None:
    assert contract.entry_command("python", "train.py", ["--a", "1"], "py") == [
        "py", "train.py", "--a", "1"]  # fmt: skip
    assert contract.entry_command("shell", "run.sh", ["--a", "$(x)"], "py") == [
        "/bin/sh", "run.sh", "--a", "$(x)"]  # no shell parses hyperparameters  # fmt: skip
    assert contract.entry_command("package", "trainer.py", [], "py") == ["py", "-m", "trainer"]
    assert contract.script_mode("train", package=False) == "exec"
    assert contract.validate_hyperparameter("ok-name.x", 1) is None
    assert contract.validate_hyperparameter("bad key", 1)
    assert contract.validate_hyperparameter("big", "x" * 3000)
