"""``TrainingInput``: a channel's data with the official SDK's signature and ``config``."""

from __future__ import annotations

from typing import Any

from .base import UnsupportedArgument, reject_unsupported

#: Input modes a job here reads the same way: files on disk.
FILE_MODES = (None, "File", "FastFile")


class TrainingInput:
    """``s3_data`` is a path in your space (relative to the notebook's folder) or a URL."""

    def __init__(
        self,
        s3_data: str,
        distribution: str | None = None,
        compression: str | None = None,
        content_type: str | None = None,
        record_wrapping: str | None = None,
        s3_data_type: str = "S3Prefix",
        instance_groups: list[str] | None = None,
        input_mode: str | None = None,
        attribute_names: list[str] | None = None,
        target_attribute_name: str | None = None,
        shuffle_config: Any = None,
        hub_access_config: dict[str, Any] | None = None,
        model_access_config: dict[str, Any] | None = None,
    ) -> None:
        reject_unsupported(
            "TrainingInput",
            TrainingInput.__init__,
            locals(),
            ("compression", "record_wrapping", "s3_data_type", "instance_groups",
             "attribute_names", "target_attribute_name", "shuffle_config",
             "hub_access_config", "model_access_config"),
        )  # fmt: skip
        if distribution not in (None, "FullyReplicated"):
            raise UnsupportedArgument(
                f"TrainingInput: distribution={distribution!r} is not supported "
                "(every instance sees all the data: FullyReplicated)."
            )
        if input_mode not in FILE_MODES:
            raise UnsupportedArgument(
                f"TrainingInput: input_mode={input_mode!r} is not supported (File, FastFile)."
            )
        source: dict[str, Any] = {"S3DataType": s3_data_type, "S3Uri": s3_data}
        source["S3DataDistributionType"] = distribution or "FullyReplicated"
        self.config: dict[str, Any] = {"DataSource": {"S3DataSource": source}}
        if content_type is not None:
            self.config["ContentType"] = content_type
        if input_mode is not None:
            self.config["InputMode"] = input_mode
