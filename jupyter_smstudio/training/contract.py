"""The SageMaker training contract as pure functions (no I/O).

Everything a script written for SageMaker script mode reads: the ``/opt/ml`` tree,
the three config files, the ``SM_*`` variables and the command line, encoded
exactly as aws/sagemaker-training-toolkit does (``environment.py``, ``mapping.py``,
``params.py``), so the same script runs here unchanged. Paths are POSIX strings
because they are the paths *the job* sees (a container's ``/opt/ml`` or a host
directory), not the server's.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

# The tree and the host names are the runner's; the contract is written in their terms.
from ..jobs.layout import INSTANCE_GROUP, NETWORK_INTERFACE, host_resources
from ..jobs.layout import Layout as Layout
from ..jobs.layout import hosts_of as hosts_of

#: Hyperparameters the SDK and toolkit use for themselves; never passed to the script.
RESERVED_HYPERPARAMETERS = frozenset(
    {
        "sagemaker_program",
        "sagemaker_submit_directory",
        "sagemaker_enable_cloudwatch_metrics",
        "sagemaker_region",
        "sagemaker_container_log_level",
        "sagemaker_job_name",
        "default_user_module_name",
        "_tuning_objective_metric",
        "sagemaker_s3_output",
    }
)
SAGEMAKER_PREFIX = "sagemaker_"
MASTER_PORT = 7777
LOG_LEVEL_INFO = 20

#: SageMaker's limits on HyperParameters (CreateTrainingJob).
MAX_HYPERPARAMETERS = 100
MAX_KEY_CHARS = 256
MAX_VALUE_CHARS = 2500
HYPERPARAMETER_KEY = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.\-]*$")


# ---- hyperparameters ---------------------------------------------------------------


def encode_hyperparameters(values: dict[str, Any]) -> dict[str, str]:
    """JSON-encode each value, as the SageMaker Python SDK does before CreateTrainingJob."""
    return {str(k): json.dumps(v) for k, v in values.items()}


def decode_hyperparameters(encoded: dict[str, str]) -> dict[str, Any]:
    """``json.loads`` each value; a value that is not JSON stays the raw string (toolkit)."""
    decoded: dict[str, Any] = {}
    for key, value in encoded.items():
        try:
            decoded[key] = json.loads(value)
        except (ValueError, TypeError):
            decoded[key] = value
    return decoded


def with_reserved_hyperparameters(
    encoded: dict[str, str], *, job_name: str, entry_point: str, code_dir: str, region: str
) -> dict[str, str]:
    """The hyperparameters as SageMaker's SDK sends them for script mode: plus
    ``sagemaker_program``, ``sagemaker_submit_directory``, ``sagemaker_job_name`` (what
    this job runs, so they replace any value given), ``sagemaker_region`` and
    ``sagemaker_container_log_level`` (kept when given), each JSON-encoded. The real
    training toolkit reads its ``module_name``/``user_entry_point``/``module_dir`` from
    them; the submit directory is the code directory, which it uses as it is."""
    defaults = {"sagemaker_region": region, "sagemaker_container_log_level": LOG_LEVEL_INFO}
    forced = {
        "sagemaker_program": entry_point,
        "sagemaker_submit_directory": code_dir,
        "sagemaker_job_name": job_name,
    }
    return {
        **encode_hyperparameters(defaults),
        **encoded,
        **encode_hyperparameters(forced),
    }


def split_hyperparameters(decoded: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """(user's, SageMaker's): reserved and ``sagemaker_*`` keys are not the user's."""
    user: dict[str, Any] = {}
    framework: dict[str, Any] = {}
    for key, value in decoded.items():
        if key in RESERVED_HYPERPARAMETERS or key.startswith(SAGEMAKER_PREFIX):
            framework[key] = value
        else:
            user[key] = value
    return user, framework


def _text(value: Any) -> str:
    return value.decode("latin1") if isinstance(value, bytes) else str(value)


def to_cmd_args(hyperparameters: dict[str, Any]) -> list[str]:
    """``--key value`` pairs, keys sorted, ``-k`` for one-letter keys, dicts as ``a=1,b=2``.

    Values go through ``str()`` like the toolkit's ``mapping.to_cmd_args``: a boolean is
    ``True`` on the command line (while ``SM_HP_*`` carries JSON ``true``).
    """
    args: list[str] = []
    for key in sorted(hyperparameters):
        name = _text(key)
        args.append(f"--{name}" if len(name) > 1 else f"-{name}")
        value = hyperparameters[key]
        if isinstance(value, dict):
            args.append(",".join(f"{k}={v}" for k, v in sorted(value.items())))
        else:
            args.append(_text(value))
    return args


def env_value(value: Any) -> str:
    """A value as ``SM_*`` carries it: strings as-is, None empty, anything else compact JSON."""
    if isinstance(value, bytes):
        return value.decode("latin1")
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=True)


def module_name(entry_point: str) -> str:
    """``trainer/main.py`` -> ``trainer.main``: the toolkit only strips ``.py``, which
    makes an entry point inside a package fail with "No module named trainer/main"."""
    stem = entry_point[:-3] if entry_point.endswith(".py") else entry_point
    return stem.replace("/", ".")


# ---- config files and environment ----------------------------------------------------


@dataclass(frozen=True)
class JobContext:
    """What the contract needs to know about one host of one job."""

    job_name: str
    entry_point: str
    hyperparameters: dict[str, str]  # encoded (every value a JSON string)
    channels: dict[str, str | None]  # name -> content type
    instance_type: str
    hosts: list[str] = field(default_factory=lambda: ["algo-1"])
    current_host: str = "algo-1"
    layout: Layout = field(default_factory=Layout)
    num_cpus: int = 1
    num_gpus: int = 0
    region: str = ""
    #: Where the code lives for the toolkit's ``module_dir`` (SageMaker: an S3 URI).
    module_dir: str | None = None


def resource_config(ctx: JobContext) -> dict[str, Any]:
    return host_resources(ctx.instance_type, ctx.hosts, ctx.current_host)


def input_data_config(ctx: JobContext) -> dict[str, dict[str, str]]:
    config: dict[str, dict[str, str]] = {}
    for name in sorted(ctx.channels):
        entry = {
            "TrainingInputMode": "File",
            "S3DistributionType": "FullyReplicated",
            "RecordWrapperType": "None",
        }
        content_type = ctx.channels[name]
        if content_type:
            entry = {"ContentType": content_type, **entry}
        config[name] = entry
    return config


def config_files(ctx: JobContext) -> dict[str, Any]:
    """The three files of ``input/config`` (file name -> JSON document)."""
    return {
        "hyperparameters.json": dict(ctx.hyperparameters),
        "inputdataconfig.json": input_data_config(ctx),
        "resourceconfig.json": resource_config(ctx),
    }


def training_environment(ctx: JobContext) -> dict[str, Any]:
    """The toolkit's ``Environment`` as a dict (what ``SM_TRAINING_ENV`` carries)."""
    layout = ctx.layout
    user, framework = split_hyperparameters(decode_hyperparameters(ctx.hyperparameters))
    additional = {k: v for k, v in framework.items() if k not in RESERVED_HYPERPARAMETERS}
    hosts = sorted(ctx.hosts)
    resources = resource_config(ctx)
    group = resources["instance_groups"][0]
    return {
        "additional_framework_parameters": additional,
        "channel_input_dirs": {name: layout.channel(name) for name in sorted(ctx.channels)},
        "current_host": ctx.current_host,
        "current_instance_group": INSTANCE_GROUP,
        "current_instance_group_hosts": hosts,
        "current_instance_type": ctx.instance_type,
        "distribution_hosts": [],
        "distribution_instance_groups": [],
        "framework_module": None,
        "hosts": hosts,
        "hyperparameters": user,
        "input_config_dir": layout.input_config,
        "input_data_config": input_data_config(ctx),
        "input_dir": layout.input,
        "instance_groups": [INSTANCE_GROUP],
        "instance_groups_dict": {INSTANCE_GROUP: group},
        "is_hetero": False,
        "is_master": ctx.current_host == hosts[0],
        "is_modelparallel_enabled": None,
        "is_smddpmprun_installed": False,
        "is_smddprun_installed": False,
        "job_name": ctx.job_name,
        "log_level": framework.get("sagemaker_container_log_level", LOG_LEVEL_INFO),
        "master_hostname": hosts[0],
        "model_dir": layout.model,
        "module_dir": ctx.module_dir or layout.code,
        "module_name": module_name(ctx.entry_point),
        "network_interface_name": NETWORK_INTERFACE,
        "num_cpus": ctx.num_cpus,
        "num_gpus": ctx.num_gpus,
        "num_neurons": 0,
        "output_data_dir": layout.output_data,
        "output_dir": layout.output,
        "output_intermediate_dir": layout.output_intermediate,
        "resource_config": resources,
        "topology": [],
        "user_entry_point": ctx.entry_point,
    }


def sm_environment(ctx: JobContext) -> dict[str, str]:
    """Every ``SM_*`` variable (plus the few others the toolkit sets) for one host."""
    env = training_environment(ctx)
    user: dict[str, Any] = env["hyperparameters"]
    mapping: dict[str, Any] = {
        "hosts": env["hosts"],
        "network_interface_name": env["network_interface_name"],
        "hps": user,
        "user_entry_point": env["user_entry_point"],
        "framework_params": env["additional_framework_parameters"],
        "resource_config": env["resource_config"],
        "input_data_config": env["input_data_config"],
        "output_data_dir": env["output_data_dir"],
        "channels": sorted(ctx.channels),
        "current_host": env["current_host"],
        "current_instance_type": env["current_instance_type"],
        "current_instance_group": env["current_instance_group"],
        "current_instance_group_hosts": env["current_instance_group_hosts"],
        "instance_groups": env["instance_groups"],
        "instance_groups_dict": env["instance_groups_dict"],
        "distribution_instance_groups": env["distribution_instance_groups"],
        "is_hetero": env["is_hetero"],
        "module_name": env["module_name"],
        "log_level": env["log_level"],
        "framework_module": env["framework_module"],
        "input_dir": env["input_dir"],
        "input_config_dir": env["input_config_dir"],
        "output_dir": env["output_dir"],
        "num_cpus": env["num_cpus"],
        "num_gpus": env["num_gpus"],
        "num_neurons": env["num_neurons"],
        "model_dir": env["model_dir"],
        "module_dir": env["module_dir"],
        "training_env": env,
        "user_args": to_cmd_args(user),
        "output_intermediate_dir": env["output_intermediate_dir"],
        # Read by the V3 SDK's ModelTrainer drivers.
        "master_addr": env["master_hostname"],
        "master_port": MASTER_PORT,
        "host_count": len(env["hosts"]),
        "current_host_rank": env["hosts"].index(ctx.current_host),
        "source_dir": ctx.layout.code,
        "entry_script": ctx.entry_point,
        "output_failure": ctx.layout.failure,
        "input_data_dir": ctx.layout.input_data,
    }
    for name, path in env["channel_input_dirs"].items():
        mapping[f"channel_{name}"] = path
    for key, value in user.items():
        mapping[f"hp_{key}"] = value
    out = {f"SM_{key.upper()}": env_value(value) for key, value in mapping.items()}
    out.update(
        CURRENT_HOST=ctx.current_host,
        SAGEMAKER_JOB_NAME=ctx.job_name,
        SAGEMAKER_REGION=ctx.region,
        TRAINING_JOB_NAME=ctx.job_name,
    )
    return out


def validate_hyperparameter(key: str, value: Any) -> str | None:
    """Why ``key: value`` cannot be a hyperparameter, or None when it can."""
    if not HYPERPARAMETER_KEY.match(key) or len(key) > MAX_KEY_CHARS:
        return (
            f"'{key}' is not a valid hyperparameter name: use up to {MAX_KEY_CHARS} letters, "
            "digits, '_', '-' and '.'"
        )
    if isinstance(value, dict) and any(isinstance(v, (dict, list)) for v in value.values()):
        return f"'{key}': a dict value may hold only scalars (it becomes k1=v1,k2=v2)"
    if len(json.dumps(value)) > MAX_VALUE_CHARS:
        return f"'{key}': the encoded value is longer than {MAX_VALUE_CHARS} characters"
    return None


# ---- what runs ---------------------------------------------------------------------


def script_mode(entry_point: str, package: bool) -> str:
    """How the toolkit runs an entry point: python, shell, package (``python -m``) or exec."""
    if package:
        return "package"
    if entry_point.endswith(".py"):
        return "python"
    if entry_point.endswith(".sh"):
        return "shell"
    return "exec"


def entry_command(mode: str, entry_point: str, args: list[str], python: str) -> list[str]:
    """The argv the entry point runs with (cwd = the code directory).

    Shell scripts run as ``/bin/sh script args...``: the toolkit joins a ``sh -c`` string,
    which would let a hyperparameter value inject shell syntax; argv keeps the same
    arguments without that.
    """
    if mode == "package":
        return [python, "-m", module_name(entry_point), *args]
    if mode == "python":
        return [python, entry_point, *args]
    if mode == "shell":
        return ["/bin/sh", entry_point, *args]
    return [f"./{entry_point}", *args]
