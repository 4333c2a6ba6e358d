"""Wrangler documents (the ``.flow`` file) and API bodies."""

from __future__ import annotations

from enum import Enum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from ..sharing import Sharing
from ..store.paging import Page

#: Version of the ``.flow`` file format this code writes (``schema_version``).
FLOW_SCHEMA_VERSION = 1
#: Rows in the preview sample unless the flow says otherwise (SageMaker's default).
DEFAULT_SAMPLE_ROWS = 50_000


class DataType(str, Enum):
    """Column types a user can name (casts, read options); engine-neutral names."""

    INT = "int"
    FLOAT = "float"
    STRING = "string"
    BOOL = "bool"
    DATE = "date"
    DATETIME = "datetime"


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class FileSource(Strict):
    """A CSV/TSV/Parquet/JSON/JSON Lines file: yours, in a data root, or at a URL."""

    kind: Literal["file"] = "file"
    path: str = Field(
        max_length=4096,
        description="Path relative to your directory, 'root:/path' in a data root the "
        "administrator exposes, or a URL (s3://bucket/key, https://...) of a protocol "
        "the administrator allows.",
    )
    format: Literal["auto", "csv", "tsv", "parquet", "json", "jsonl"] = "auto"
    delimiter: str | None = Field(
        None, min_length=1, max_length=1, description="Field separator (CSV); default ',' or tab."
    )
    header: bool = Field(True, description="The first line holds column names (CSV/TSV).")
    encoding: str = Field("utf-8", max_length=32, description="Text encoding (CSV/TSV).")
    types: dict[str, DataType] = Field(
        default_factory=dict, description="Column types to use instead of inferred ones."
    )
    on_bad_lines: Literal["error", "skip"] = Field(
        "error",
        description="Malformed rows: 'error' reports them (with line numbers) and stops; "
        "'skip' leaves them out and still reports them.",
    )


class DatabaseSource(Strict):
    """The result of a SQL query on a SQLite/DuckDB file or a SQLAlchemy URL."""

    kind: Literal["database"] = "database"
    path: str | None = Field(None, description="A SQLite or DuckDB file in your directory.")
    url: str | None = Field(
        None, max_length=2048, description="A SQLAlchemy database URL (instead of path)."
    )
    query: str = Field(min_length=1, max_length=100_000, description="The SQL query.")


Source = Annotated[FileSource | DatabaseSource, Field(discriminator="kind")]


class Sampling(Strict):
    """How the interactive preview picks rows; runs and reports use the full data."""

    method: Literal["first", "random", "stratified", "none"] = "first"
    n: int = Field(DEFAULT_SAMPLE_ROWS, ge=1, le=10_000_000)
    seed: int = 0
    stratify_by: str | None = Field(None, description="Column for 'stratified'.")


class StepSpec(Strict):
    """A transform as the user configures it."""

    operator: str = Field(description="Operator name, e.g. 'drop_columns'.")
    params: dict[str, Any] = Field(default_factory=dict)
    title: str = Field("", max_length=200)


class Step(StepSpec):
    """A transform in a flow: its parameters and what fitting it learnt."""

    id: str
    operator_version: int
    fitted: dict[str, Any] | None = Field(
        None, description="Parameters learnt from data (readable JSON), or null."
    )
    fitted_on: str | None = Field(None, description="What 'fitted' was learnt on.")


class FlowDocument(Strict):
    """The content of a ``.flow`` file (git-friendly: sorted keys, indented)."""

    schema_version: int = FLOW_SCHEMA_VERSION
    version: int = Field(1, description="Bumped by every write; stale writes get 409.")
    source: Source | None = None
    sampling: Sampling = Field(default_factory=Sampling)
    steps: list[Step] = Field(default_factory=list)
    target: str | None = Field(None, description="Target column for the insights report.")


OWNER = Field(
    None,
    description="Who created the flow in the Data Wrangler. null: a file it did not create "
    "(older version, copy, written by hand), shared with every user until one sets its sharing.",
)
SHARING = Field(
    Sharing.SHARED, description="private: its owner only; shared: its owner and members."
)
MEMBERS: Any = Field(
    default_factory=list,
    description="Users who may use a shared flow: read, edit, run, export (not delete).",
)
Members = Annotated[
    list[Annotated[str, Field(min_length=1, max_length=255)]], Field(max_length=100)
]


class Flow(FlowDocument):
    """A flow as the API shows it."""

    name: str = Field(description="Path of the .flow file relative to your directory.")
    modified_ms: int
    owner: str | None = OWNER
    sharing: Sharing = SHARING
    members: list[str] = MEMBERS
    summaries: dict[str, str] = Field(
        default_factory=dict,
        description="Step id -> what the step does in plain words, e.g. "
        "'Fill missing in age with median'.",
    )


class FlowSummary(BaseModel):
    name: str
    source: str | None
    steps: int
    created_ms: int
    modified_ms: int
    owner: str | None = OWNER
    sharing: Sharing = SHARING


class FlowPage(Page[FlowSummary]):
    pass


class FlowCreate(Strict):
    name: str = Field(description="Path of the new .flow file relative to your directory.")
    source: Source | None = None
    sampling: Sampling = Field(default_factory=Sampling)
    sharing: Sharing = Sharing.PRIVATE
    members: Members = MEMBERS


class FlowUpdate(Strict):
    """Change the flow's source, sampling or target (not its steps), or its sharing."""

    version: int = Field(description="The version you read; a stale one gets 409.")
    source: Source | None = None
    sampling: Sampling | None = None
    target: str | None = None
    # Left out: unchanged. null is refused below (the generated schema still shows it).
    sharing: Sharing | None = Field(
        None, description="Owner only; setting it on a flow without an owner makes it yours."
    )
    members: Members | None = Field(None, description="Owner only.")

    @field_validator("sharing", "members", mode="before")
    @classmethod
    def _leave_out_rather_than_null(cls, value: Any) -> Any:
        if value is None:
            raise ValueError("leave it out to keep it; null is not a value")
        return value

    @property
    def changes_sharing(self) -> bool:
        return bool({"sharing", "members"} & self.model_fields_set)

    @property
    def changes_document(self) -> bool:
        return bool({"source", "sampling", "target"} & self.model_fields_set)


class StepCreate(StepSpec):
    version: int = Field(description="The version you read; a stale one gets 409.")
    position: int | None = Field(None, ge=0, description="Insert here (default: at the end).")


class StepUpdate(Strict):
    version: int
    params: dict[str, Any] | None = None
    title: str | None = Field(None, max_length=200)
    position: int | None = Field(None, ge=0, description="Move the step here.")


class VersionQuery(Strict):
    version: int


class FitRequest(Strict):
    version: int
    scope: Literal["sample", "full"] = "sample"


class PreviewQuery(Strict):
    step: str | None = Field(None, description="Step id (default: the last step).")
    offset: int = Field(0, ge=0)
    limit: int = Field(100, ge=1, le=1000)
    scope: Literal["sample", "full"] = "sample"


class ColumnInfo(BaseModel):
    name: str
    type: str


class Diff(BaseModel):
    """What a step changed, against the step before it."""

    rows_before: int
    rows_after: int
    added_columns: list[str]
    removed_columns: list[str]
    changed_types: dict[str, str]


class RejectedRow(BaseModel):
    line: int
    column: str | None
    error: str
    text: str


class StepStatus(BaseModel):
    id: str
    error: str | None = None
    error_field: str | None = None
    warnings: list[str] = Field(default_factory=list)


class Preview(BaseModel):
    step: str | None
    scope: str
    sample: str = Field(description="What the rows are, e.g. 'first 50,000 rows'.")
    total_rows: int
    offset: int
    columns: list[ColumnInfo]
    rows: list[list[Any]]
    diff: Diff | None = None
    error: str | None = Field(None, description="Why this step failed (the flow is kept).")
    error_field: str | None = None
    steps: list[StepStatus] = Field(default_factory=list)
    rejected_rows: list[RejectedRow] = Field(default_factory=list)
    elapsed_ms: float


class SourcePreviewRequest(Strict):
    source: Source
    limit: int = Field(100, ge=1, le=1000)


class ReportRequest(Strict):
    step: str | None = None
    target: str | None = None
    sample_rows: int = Field(50_000, ge=100, le=1_000_000, description="Rows for model parts.")


class ExportQuery(Strict):
    format: Literal["pandas", "polars", "notebook", "pyspark"]
    save: bool = Field(False, description="Also write the file next to the flow.")


class ExportResult(BaseModel):
    format: str
    filename: str
    content: str
    saved_path: str | None = None


class SourceLocations(BaseModel):
    """Where file sources may come from besides your directory (the administrator's choice)."""

    data_roots: list[str] = Field(
        description="Read-only directories: a file in one is 'name:/path/in/it'."
    )
    protocols: list[str] = Field(
        description="URL protocols a file path may use, e.g. 's3' for s3://bucket/key."
    )


class OperatorInfo(BaseModel):
    name: str
    version: int
    title: str
    group: str
    description: str
    fits: bool
    params_schema: dict[str, Any]


class OperatorList(BaseModel):
    items: list[OperatorInfo]
