"""Generated pandas and Polars scripts give the same output as the engine.

Each flow is fitted on its fixture, exported, run in a subprocess, and its
output compared with the engine's, column by column.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from jupyter_smstudio.wrangler import codegen
from jupyter_smstudio.wrangler.codegen.notebook import notebook
from jupyter_smstudio.wrangler.engine import Engine
from jupyter_smstudio.wrangler.models import FileSource, FlowDocument, Step
from jupyter_smstudio.wrangler.sources import SourceReader

from .wrangler_data import write_fixtures

CLEANING = [
    ("text_features", {"column": "note", "features": ["length", "words", "uppercase"]}),
    ("format_string", {"columns": ["note"], "operation": "strip"}),
    (
        "format_string",
        {
            "columns": ["note"],
            "operation": "replace",
            "pattern": r"\s+",
            "replacement": " ",
            "regex": True,
        },
    ),
    ("handle_missing", {"columns": ["price"], "strategy": "median", "add_indicator": True}),
    ("handle_missing", {"columns": ["quantity"], "strategy": "fill", "value": 0}),
    ("handle_missing", {"columns": ["note"], "strategy": "mode"}),
    (
        "handle_outliers",
        {"columns": ["price"], "method": "quantile", "lower_quantile": 0.1, "upper_quantile": 0.9},
    ),
    ("datetime_features", {"column": "day", "parts": ["year", "month", "weekday"], "cyclic": True}),
    ("custom_formula", {"expression": "price * quantity", "output_column": "total"}),
    ("ordinal_encode", {"column": "note"}),
    ("one_hot_encode", {"column": "city", "drop_original": False}),
    ("scale_values", {"columns": ["price"], "method": "standard"}),
    ("scale_values", {"columns": ["total"], "method": "robust"}),
    ("filter_rows", {"expression": "quantity >= 1 AND city <> 'Stavanger'"}),
    ("sort_rows", {"by": ["total"], "descending": True}),
    ("rename_columns", {"mapping": {"quantity": "qty"}}),
    ("duplicate_column", {"column": "qty", "new_name": "qty_copy"}),
    ("move_column", {"column": "total", "position": 0}),
    ("cast_columns", {"columns": ["qty"], "to": "float"}),
    ("drop_columns", {"columns": ["day"]}),
]

COMBINING = [
    ("join", {"other": {"kind": "file", "path": "cities.csv"}, "how": "left", "left_on": ["city"]}),
    ("format_string", {"columns": ["country"], "operation": "pad", "width": 4, "fill_char": "_"}),
    ("drop_duplicates", {"columns": ["city"], "keep": "last"}),
    ("concat", {"other": {"kind": "file", "path": "sales.csv"}}),
    ("group_by", {"by": ["city"], "aggregations": [
        {"column": "price", "function": "mean"},
        {"column": "quantity", "function": "sum"},
        {"column": "id", "function": "count", "alias": "orders"},
        {"column": "note", "function": "n_unique"},
    ]}),
    ("sort_rows", {"by": ["city"]}),
]  # fmt: skip

SAMPLING = [
    (
        "split_data",
        {"method": "stratified", "column": "city", "outputs": {"a": 0.5, "b": 0.5}, "seed": 3},
    ),
    ("balance_data", {"target": "split", "method": "oversample", "seed": 1}),
    ("sample_rows", {"n": 6, "seed": 7}),
    ("custom_code", {"language": "pandas", "code": "df['n'] = df['id'] * 10"}),
    ("custom_code", {"language": "polars", "code": "df = df.with_columns(m=pl.col('n') + 1)"}),
    ("split_data", {"method": "by_key", "column": "city", "output_column": "fold", "seed": 2}),
]

SMOTE = [
    ("handle_missing", {"columns": ["price", "quantity"], "strategy": "median"}),
    (
        "custom_formula",
        {"expression": "CASE WHEN city = 'Oslo' THEN 'yes' ELSE 'no' END", "output_column": "oslo"},
    ),
    ("balance_data", {"target": "oslo", "method": "smote", "k_neighbors": 2, "seed": 4}),
    ("balance_data", {"target": "oslo", "method": "undersample", "seed": 5}),
]


def normalized(frame: pl.DataFrame) -> pl.DataFrame:
    """Same values, engine-neutral types: numbers as floats, dates as datetimes."""
    exprs = []
    for name, dtype in frame.schema.items():
        col = pl.col(name)
        if dtype.is_numeric() or dtype == pl.Boolean:
            col = col.cast(pl.Float64).fill_nan(None)
        elif dtype.is_temporal():
            col = col.cast(pl.Datetime("us"))
        elif dtype != pl.String:
            col = col.cast(pl.String)
        exprs.append(col)
    return frame.select(exprs)


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Engine]:
    root = tmp_path_factory.mktemp("root")
    write_fixtures(root)
    return root, Engine(SourceReader(root, root / ".cache"))


def fitted_flow(engine: Engine, steps: list[tuple[str, dict[str, Any]]]) -> FlowDocument:
    from jupyter_smstudio.wrangler.operators.registry import get_operator

    flow = FlowDocument(
        source=FileSource(path="sales.csv"),
        steps=[
            Step(id=f"s{i}", operator=op, operator_version=get_operator(op).version, params=p)
            for i, (op, p) in enumerate(steps)
        ],
    )
    flow.steps = engine.fit(flow, 0, full=True)
    return flow


def run_script(root: Path, code: str, name: str) -> pl.DataFrame:
    script = root / f"{name}.py"
    script.write_text(code)
    out = root / f"{name}.parquet"
    done = subprocess.run(
        [sys.executable, str(script), str(out)],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, f"{code}\n{done.stderr}"
    return pl.read_parquet(out)


@pytest.mark.parametrize("language", ["pandas", "polars"])
@pytest.mark.parametrize(
    "steps",
    [CLEANING, COMBINING, SAMPLING, SMOTE],
    ids=["cleaning", "combining", "sampling", "smote"],
)
@pytest.mark.slow
def test_generated_script_matches_engine(
    setup: tuple[Path, Engine], language: str, steps: list[tuple[str, dict[str, Any]]]
) -> None:
    root, engine = setup
    flow = fitted_flow(engine, steps)
    expected = engine.run_full(flow).collect()
    schema_of = lambda source: engine.reader.load(source).frame.collect_schema()  # noqa: E731
    program = codegen.build(flow, "test.flow", language, schema_of)
    got = run_script(root, codegen.script(program), f"{language}_{len(steps)}")
    assert got.columns == expected.columns
    assert_frame_equal(normalized(got), normalized(expected), check_dtypes=False, abs_tol=1e-9)


def test_notebook_holds_every_step(setup: tuple[Path, Engine]) -> None:
    _, engine = setup
    flow = fitted_flow(engine, CLEANING[:3])
    schema_of = lambda source: engine.reader.load(source).frame.collect_schema()  # noqa: E731
    import json

    text = notebook(codegen.build(flow, "x.flow", "pandas", schema_of))
    nb = json.loads(text)
    headings = [c["source"] for c in nb["cells"] if c["cell_type"] == "markdown"]
    assert len(headings) == 1 + 3
    assert "Text features" in headings[1]
    # nbformat 4.5 requires cell ids: without them validate() warns (a future error).
    import warnings

    import nbformat

    assert (nb["nbformat"], nb["nbformat_minor"]) >= (4, 5)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        nbformat.validate(nbformat.reads(text, as_version=4))
    ids = [c["id"] for c in nb["cells"]]
    assert len(set(ids)) == len(ids) == len(nb["cells"])


def test_exported_headings_say_what_each_step_does_in_plain_words(
    setup: tuple[Path, Engine],
) -> None:
    _, engine = setup
    flow = fitted_flow(engine, [*CLEANING[3:5], ("drop_columns", {"columns": ["note"]})])
    flow.steps[2].title = "Tidy up"
    schema_of = lambda source: engine.reader.load(source).frame.collect_schema()  # noqa: E731
    import json

    nb = json.loads(notebook(codegen.build(flow, "x.flow", "pandas", schema_of)))
    headings = [c["source"] for c in nb["cells"] if c["cell_type"] == "markdown"][1:]
    fitted_on = flow.steps[0].fitted_on
    assert fitted_on
    assert headings == [
        f"## 1. Fill missing in price with median (and flag the rows); learnt from the {fitted_on}",
        "## 2. Fill missing in quantity with 0",
        "## 3. Tidy up: Drop note",
    ]
    script = codegen.script(codegen.build(flow, "x.flow", "polars", schema_of))
    assert "    # 2. Fill missing in quantity with 0\n" in script
    assert " v1]" not in script


def test_every_operator_has_a_plain_words_summary() -> None:
    from jupyter_smstudio.wrangler.operators.registry import REGISTRY
    from jupyter_smstudio.wrangler.operators.summaries import SUMMARIES, summarize

    assert set(SUMMARIES) == set(REGISTRY)
    # A step whose parameters no longer parse still gets a line: its operator's title.
    assert summarize("handle_missing", {"columns": []}) == "Handle missing values"
    assert summarize("gone_operator", {}) == "gone_operator"
