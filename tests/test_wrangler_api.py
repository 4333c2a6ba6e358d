"""The Data Wrangler REST API: flows, steps, previews, versions, errors, report, export."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from .conftest import ApiCall
from .wrangler_data import write_fixtures

pytestmark = pytest.mark.usefixtures("jp_serverapp")

SOURCE = {"kind": "file", "path": "sales.csv"}
#: The memory custom code may use in these tests (c.DataWrangler.custom_code_memory_gib).
CODE_MEMORY_GIB = 0.5


@pytest.fixture
def jp_server_config(jp_server_config: dict[str, Any]) -> dict[str, Any]:
    return {**jp_server_config, "DataWrangler": {"custom_code_memory_gib": CODE_MEMORY_GIB}}


@pytest.fixture
def root(jp_root_dir: Path) -> Path:
    write_fixtures(jp_root_dir)
    return jp_root_dir


async def new_flow(api: ApiCall, name: str = "sales.flow", **extra: Any) -> dict[str, Any]:
    reply = await api("POST", "wrangler/flows", {"name": name, "source": SOURCE, **extra})
    assert reply.status == 201, reply.json
    return reply.json  # type: ignore[no-any-return]


async def add_step(api: ApiCall, flow: dict[str, Any], operator: str, **params: Any) -> Any:
    return await api(
        "POST",
        f"wrangler/flows/{flow['name']}/steps",
        {"operator": operator, "params": params, "version": flow["version"]},
    )


async def test_create_flow_writes_a_readable_file_and_lists_it(api: ApiCall, root: Path) -> None:
    flow = await new_flow(api)
    assert flow["version"] == 1
    assert flow["steps"] == []
    on_disk = json.loads((root / "sales.flow").read_text())
    assert on_disk["schema_version"] == 1
    assert on_disk["source"]["path"] == "sales.csv"
    listing = await api("GET", "wrangler/flows")
    assert [i["name"] for i in listing.json["items"]] == ["sales.flow"]
    assert listing.json["items"][0]["source"] == "sales.csv"
    again = await api("POST", "wrangler/flows", {"name": "sales.flow", "source": SOURCE})
    assert again.status == 409


async def test_a_flow_says_what_each_step_does_in_plain_words(api: ApiCall, root: Path) -> None:
    flow = await new_flow(api)
    reply = await add_step(api, flow, "handle_missing", columns=["price"], strategy="median")
    assert reply.status == 201, reply.json
    reply = await add_step(api, reply.json, "drop_columns", columns=["city", "note"])
    step_ids = [s["id"] for s in reply.json["steps"]]
    read = await api("GET", f"wrangler/flows/{flow['name']}")
    for body in (reply.json, read.json):
        assert [body["summaries"][i] for i in step_ids] == [
            "Fill missing in price with median",
            "Drop city and note",
        ]
    # Shown, not stored: the file keeps only what the user set.
    assert "summaries" not in json.loads((root / "sales.flow").read_text())


async def test_paths_outside_the_root_are_refused_naming_the_field(
    api: ApiCall, root: Path
) -> None:
    reply = await api("POST", "wrangler/flows", {"name": "../escape.flow"})
    assert reply.status == 400
    assert reply.error["field"] == "name"
    reply = await api(
        "POST",
        "wrangler/flows",
        {"name": "x.flow", "source": {"kind": "file", "path": "/etc/passwd"}},
    )
    assert reply.status == 400
    assert reply.error["field"] == "source.path"
    assert not (root / "x.flow").exists()
    reply = await api("POST", "wrangler/flows", {"name": "notaflow.txt"})
    assert reply.status == 400
    assert reply.error["field"] == "name"


async def test_steps_preview_with_diff_and_fitted_params_as_json(api: ApiCall, root: Path) -> None:
    flow = await new_flow(api)
    reply = await add_step(api, flow, "handle_missing", columns=["price"], strategy="mean")
    assert reply.status == 201, reply.json
    flow = reply.json
    step = flow["steps"][0]
    assert step["fitted"] == {"values": {"price": pytest.approx(161.25 / 7)}}
    assert step["fitted_on"].startswith("sample")
    reply = await add_step(api, flow, "one_hot_encode", column="city")
    flow = reply.json
    assert flow["version"] == 3
    assert flow["steps"][1]["fitted"]["categories"] == ["Bergen", "Oslo", "Stavanger", "Trondheim"]

    preview = await api("GET", "wrangler/flows/sales.flow/preview")
    assert preview.status == 200, preview.json
    body = preview.json
    assert body["error"] is None
    assert body["total_rows"] == 8
    assert body["diff"]["added_columns"] == [
        "city_Bergen",
        "city_Oslo",
        "city_Stavanger",
        "city_Trondheim",
    ]
    assert body["diff"]["removed_columns"] == ["city"]
    names = [c["name"] for c in body["columns"]]
    assert body["rows"][2][names.index("price")] == pytest.approx(161.25 / 7)

    paged = await api(
        "GET",
        "wrangler/flows/sales.flow/preview",
        params={"offset": 6, "limit": 5, "scope": "full"},
    )
    assert paged.json["total_rows"] == 8
    assert len(paged.json["rows"]) == 2
    assert paged.json["sample"] == "full data"


async def test_stale_version_gets_409_and_nothing_is_overwritten(api: ApiCall, root: Path) -> None:
    flow = await new_flow(api)
    first = await add_step(api, flow, "drop_columns", columns=["note"])
    assert first.status == 201
    stale = await add_step(api, flow, "drop_columns", columns=["day"])
    assert stale.status == 409
    assert stale.error["field"] == "version"
    current = await api("GET", "wrangler/flows/sales.flow")
    assert [s["params"] for s in current.json["steps"]] == [{"columns": ["note"]}]


async def test_unknown_column_shows_on_that_step_and_the_flow_is_kept(
    api: ApiCall, root: Path
) -> None:
    flow = await new_flow(api)
    flow = (await add_step(api, flow, "drop_columns", columns=["note"])).json
    reply = await add_step(api, flow, "sort_rows", by=["no_such_column"])
    assert reply.status == 201  # the flow keeps the step so the user can fix it
    flow = reply.json
    flow = (await add_step(api, flow, "drop_columns", columns=["day"])).json
    preview = (await api("GET", "wrangler/flows/sales.flow/preview")).json
    first, bad, after = preview["steps"]
    assert first["error"] is None
    assert "no column 'no_such_column'" in bad["error"]
    assert bad["error_field"] == "params.by"
    assert after["error"].startswith("skipped")
    bad_id = flow["steps"][1]["id"]
    fixed = await api(
        "PATCH",
        f"wrangler/flows/sales.flow/steps/{bad_id}",
        {"version": flow["version"], "params": {"by": ["price"], "descending": True}},
    )
    assert fixed.status == 200, fixed.json
    preview = (await api("GET", "wrangler/flows/sales.flow/preview")).json
    assert all(s["error"] is None for s in preview["steps"])
    price = [c["name"] for c in preview["columns"]].index("price")
    assert preview["rows"][0][price] == 99.0


async def test_bad_params_are_400_naming_the_parameter(api: ApiCall, root: Path) -> None:
    flow = await new_flow(api)
    reply = await add_step(api, flow, "scale_values", columns=["price"], method="cubic")
    assert reply.status == 400
    assert reply.error["field"] == "params.method"
    reply = await add_step(api, flow, "no_such_operator")
    assert reply.status == 400
    assert reply.error["field"] == "operator"


async def test_type_error_names_column_and_value(api: ApiCall, root: Path) -> None:
    flow = await new_flow(api)
    await add_step(api, flow, "cast_columns", columns=["city"], to="int")
    preview = (await api("GET", "wrangler/flows/sales.flow/preview")).json
    assert "city" in preview["error"]
    assert "Oslo" in preview["error"]


async def test_reorder_and_delete_steps(api: ApiCall, root: Path) -> None:
    flow = await new_flow(api)
    flow = (await add_step(api, flow, "drop_columns", columns=["note"])).json
    flow = (await add_step(api, flow, "drop_columns", columns=["day"])).json
    second = flow["steps"][1]["id"]
    moved = await api(
        "PATCH",
        f"wrangler/flows/sales.flow/steps/{second}",
        {"version": flow["version"], "position": 0},
    )
    assert moved.json["steps"][0]["id"] == second
    deleted = await api(
        "DELETE",
        f"wrangler/flows/sales.flow/steps/{second}",
        params={"version": moved.json["version"]},
    )
    assert deleted.status == 200
    assert len(deleted.json["steps"]) == 1


async def test_malformed_rows_are_reported_with_line_numbers_and_can_be_skipped(
    api: ApiCall, root: Path
) -> None:
    source = {"kind": "file", "path": "bad.csv"}
    reply = await api("POST", "wrangler/sources/preview", {"source": source})
    assert reply.status == 400
    assert reply.error["field"] == "source.path"
    assert "line 3" in reply.error["message"]
    assert "line 5" in reply.error["message"]
    reply = await api(
        "POST", "wrangler/sources/preview", {"source": {**source, "on_bad_lines": "skip"}}
    )
    assert reply.status == 200
    assert [r["line"] for r in reply.json["rejected_rows"]] == [3, 5]
    assert [row[0] for row in reply.json["rows"]] == [1, 3, 5]


@pytest.mark.slow
async def test_custom_code_runs_in_a_subprocess_and_times_out(api: ApiCall, root: Path) -> None:
    flow = await new_flow(api)
    flow = (
        await add_step(
            api, flow, "custom_code", language="pandas", code="df['total'] = df['price'] * 2"
        )
    ).json
    preview = (await api("GET", "wrangler/flows/sales.flow/preview")).json
    assert preview["error"] is None
    assert "total" in [c["name"] for c in preview["columns"]]
    await add_step(
        api, flow, "custom_code", language="polars", code="while True:\n    pass", timeout_s=1
    )
    preview = (await api("GET", "wrangler/flows/sales.flow/preview")).json
    assert "timeout of 1 s" in preview["error"]
    assert preview["error_field"] == "params.code"
    status = await api("GET", "status")
    assert status.status == 200  # the server is fine


async def test_smote_adds_synthetic_minority_rows_with_fitted_classes(
    api: ApiCall, root: Path
) -> None:
    flow = await new_flow(api)
    flow = (
        await add_step(
            api, flow, "handle_missing", columns=["price", "quantity"], strategy="median"
        )
    ).json
    oslo = "CASE WHEN city = 'Oslo' THEN 'yes' ELSE 'no' END"
    flow = (await add_step(api, flow, "custom_formula", expression=oslo, output_column="oslo")).json
    reply = await add_step(
        api, flow, "balance_data", target="oslo", method="smote",
        features=["price", "quantity"], k_neighbors=2, seed=1,
    )  # fmt: skip
    assert reply.status == 201, reply.json
    assert reply.json["steps"][2]["fitted"] == {
        "minority": "yes",
        "majority": "no",
        "class_counts": {"no": 5, "yes": 3},
        "features": ["price", "quantity"],
    }
    preview = (await api("GET", "wrangler/flows/sales.flow/preview")).json
    assert preview["error"] is None
    names = [c["name"] for c in preview["columns"]]
    rows = [dict(zip(names, row, strict=True)) for row in preview["rows"]]
    assert [r["oslo"] for r in rows].count("yes") == [r["oslo"] for r in rows].count("no") == 5
    originals = [r for r in rows[:8] if r["oslo"] == "yes"]
    for new in rows[8:]:  # between two Oslo rows, other values copied from one of them
        assert new["oslo"] == "yes"
        assert new["city"] == "Oslo"
        for column in ("price", "quantity"):
            values = [r[column] for r in originals]
            assert min(values) <= new[column] <= max(values)

    flow = (await api("GET", "wrangler/flows/sales.flow")).json
    await add_step(api, flow, "balance_data", target="city", method="smote")
    preview = (await api("GET", "wrangler/flows/sales.flow/preview")).json
    assert preview["error_field"] == "params.method"
    assert "exactly two classes in 'city', found 4" in preview["error"]


@pytest.mark.slow
async def test_custom_code_past_its_memory_limit_fails_clearly(api: ApiCall, root: Path) -> None:
    flow = await new_flow(api)
    greedy = "big = b'x' * (1 << 30)  # 1 GiB, every byte written\ndf['n'] = len(big)"
    reply = await add_step(api, flow, "custom_code", language="pandas", code=greedy)
    assert reply.status == 201, reply.json
    preview = (await api("GET", "wrangler/flows/sales.flow/preview")).json
    assert preview["error_field"] == "params.code"
    assert f"custom code ran out of memory (limit {CODE_MEMORY_GIB:g} GiB)" in preview["error"]

    assert (await api("GET", "status")).status == 200  # the server is fine
    flow = reply.json
    step = flow["steps"][0]["id"]
    fixed = await api(
        "PATCH",
        f"wrangler/flows/sales.flow/steps/{step}",
        {"version": flow["version"], "params": {"language": "pandas", "code": "df['n'] = 1"}},
    )
    assert fixed.status == 200, fixed.json
    preview = (await api("GET", "wrangler/flows/sales.flow/preview")).json
    assert preview["error"] is None


@pytest.mark.slow
async def test_report_and_export(api: ApiCall, root: Path) -> None:
    flow = await new_flow(api)
    await add_step(api, flow, "drop_columns", columns=["note"])
    report = await api("POST", "wrangler/flows/sales.flow/report", {"target": "city"})
    assert report.status == 200, report.json
    body = report.json
    assert body["table"]["rows"] == 8
    price = next(c for c in body["columns"] if c["name"] == "price")
    assert price["missing"] == 1
    assert price["max"] == 99.0
    assert body["target"]["problem"] == "classification"
    assert body["sample"] == "all 8 rows"
    for fmt, needle in (
        ("pandas", "import pandas as pd"),
        ("polars", "import polars as pl"),
        ("pyspark", "from pyspark.sql import functions as F"),
    ):
        export = await api(
            "GET", "wrangler/flows/sales.flow/export", params={"format": fmt, "save": "true"}
        )
        assert export.status == 200
        assert needle in export.json["content"]
        assert (root / export.json["saved_path"]).read_text() == export.json["content"]
    nb = await api("GET", "wrangler/flows/sales.flow/export", params={"format": "notebook"})
    assert json.loads(nb.json["content"])["nbformat"] == 4
    bad = await api("POST", "wrangler/flows/sales.flow/report", {"target": "nope"})
    assert bad.status == 400
    assert bad.error["field"] == "target"


async def test_operators_have_json_schemas(api: ApiCall) -> None:
    reply = await api("GET", "wrangler/operators")
    ops = {o["name"]: o for o in reply.json["items"]}
    assert len(ops) >= 20
    assert ops["scale_values"]["params_schema"]["properties"]["method"]["enum"] == [
        "standard", "minmax", "robust", "maxabs"
    ]  # fmt: skip
    assert ops["scale_values"]["fits"] is True


async def test_status_turns_the_wrangler_on(api: ApiCall) -> None:
    assert (await api("GET", "status")).json["features"]["wrangler"] is True
