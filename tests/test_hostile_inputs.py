"""Hostile inputs: every one is a 4xx naming the field, and nothing is created.

The path matrix runs every path field of every route against the same payloads (a NUL
byte, a component over NAME_MAX, a path over PATH_MAX, the empty string, a ``file://``
URL outside the root, a ``..`` escape): one confinement rule answers them all alike.
"""

from __future__ import annotations

import copy
import json
import logging
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from .conftest import ApiCall
from .hosting_models import model_tree
from .training_helpers import write
from .wrangler_data import write_fixtures

pytestmark = pytest.mark.usefixtures("jp_serverapp")

#: name -> the hostile value, given the suffix the field needs (flow names end in .flow).
PAYLOADS: dict[str, Callable[[str], str]] = {
    "nul": lambda suffix: f"da\x00ta{suffix}",
    "component-300": lambda suffix: "a" * 300 + suffix,
    "path-5000": lambda suffix: "/".join(["a" * 100] * 50) + suffix,
    "empty": lambda suffix: "",
    "file-url-outside": lambda suffix: f"file:///etc/hostile{suffix}",
    "dotdot": lambda suffix: f"../hostile{suffix}",
}

TRAIN = {
    "name": "hostile", "entry_point": "train.py", "source_dir": "src", "instance_type": "local",
    "channels": {"train": {"path": "data"}},
}  # fmt: skip
PROCESS = {
    "name": "hostile", "instance_type": "local",
    "container_entrypoint": ["python3", "/opt/ml/processing/input/code/run.py"],
    "inputs": [{"input_name": "code", "source": "code",
                "destination": "/opt/ml/processing/input/code"}],
    "outputs": [{"output_name": "out", "source": "/opt/ml/processing/output/out",
                 "destination": "out"}],
}  # fmt: skip
TRANSFORM = {
    "name": "hostile", "model_name": "m", "transform_input": {"data_source": "in"},
    "transform_output": {"output_path": "out"},
}  # fmt: skip
CONFIG = {"name": "hostile", "variants": [{"model_name": "m"}],
          "data_capture": {"destination": "capture"}}  # fmt: skip
FILE_SOURCE = {"kind": "file", "path": "sales.csv"}
DB_SOURCE = {"kind": "database", "path": "shop.sqlite", "query": "select 1 as x"}


@dataclass(frozen=True)
class Case:
    """One path field of one route: where to send it, and the list that must stay as it was."""

    route: str
    body: dict[str, Any]
    field: str  # dotted, as the error names it
    listing: str
    suffix: str = ""
    label: str = ""  # tells apart cases of one field (a file or a database source)

    def with_value(self, value: str) -> dict[str, Any]:
        body = copy.deepcopy(self.body)
        *parents, last = self.field.split(".")
        node: Any = body
        for key in parents:
            node = node[int(key)] if isinstance(node, list) else node[key]
        node[last] = value
        return body


FLOWS = "wrangler/flows"
FLOW_JOBS = f"{FLOWS}/base.flow/processing-jobs"
MODEL = {"name": "hostile", "model_data": "model", "source_dir": "model/code"}
CASES = [
    Case("training-jobs", TRAIN, "channels.train.path", "training-jobs"),
    Case("training-jobs", TRAIN, "source_dir", "training-jobs"),
    Case("training-jobs", TRAIN, "output_path", "training-jobs"),
    Case("training-jobs", TRAIN, "checkpoint_path", "training-jobs"),
    Case("processing-jobs", PROCESS, "inputs.0.source", "processing-jobs"),
    Case("processing-jobs", PROCESS, "inputs.0.destination", "processing-jobs"),
    Case("processing-jobs", PROCESS, "outputs.0.source", "processing-jobs"),
    Case("processing-jobs", PROCESS, "outputs.0.destination", "processing-jobs"),
    Case("models", {**MODEL, "source_dir": None}, "model_data", "models"),
    Case("models", MODEL, "source_dir", "models"),
    Case("transform-jobs", TRANSFORM, "transform_input.data_source", "transform-jobs"),
    Case("transform-jobs", TRANSFORM, "transform_output.output_path", "transform-jobs"),
    Case("endpoint-configs", CONFIG, "data_capture.destination", "endpoint-configs"),
    Case(FLOWS, {"name": "new.flow"}, "name", FLOWS, ".flow"),
    Case(FLOWS, {"name": "new.flow", "source": FILE_SOURCE}, "source.path", FLOWS),
    Case(FLOWS, {"name": "new.flow", "source": DB_SOURCE}, "source.path", FLOWS, label="-db"),
    Case("wrangler/sources/preview", {"source": FILE_SOURCE}, "source.path", FLOWS),
    Case(FLOW_JOBS, {"output_path": "out"}, "output_path", "processing-jobs"),
]


@pytest.fixture
def root(jp_root_dir: Path) -> Path:
    """Every file the valid parts of the bodies name."""
    write(jp_root_dir, "src/train.py", "print('trained')\n")
    write(jp_root_dir, "data/a.csv", "1,2\n")
    write(jp_root_dir, "code/run.py", "print('processed')\n")
    write(jp_root_dir, "in/a.csv", "1,2,3\n")
    model_tree(jp_root_dir / "model")
    write_fixtures(jp_root_dir)
    with sqlite3.connect(jp_root_dir / "shop.sqlite") as db:
        db.execute("create table t (x int)")
    return jp_root_dir


async def resources(api: ApiCall) -> None:
    """What the bodies refer to: a model 'm' and a flow 'base.flow'."""
    assert (await api("POST", "models", {"name": "m", "model_data": "model"})).status == 201
    flow = await api("POST", "wrangler/flows", {"name": "base.flow", "source": FILE_SOURCE})
    assert flow.status == 201, flow.json


async def names(api: ApiCall, listing: str) -> list[str]:
    reply = await api("GET", listing)
    assert reply.status == 200, reply.json
    return sorted(item["name"] for item in reply.json["items"])


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c.route}:{c.field}{c.label}")
async def test_hostile_paths_are_a_400_naming_the_field(
    api: ApiCall, root: Path, case: Case
) -> None:
    await resources(api)
    before = await names(api, case.listing)
    wrong = []
    for payload, make in PAYLOADS.items():
        reply = await api("POST", case.route, case.with_value(make(case.suffix)))
        field = reply.json.get("error", {}).get("field") if isinstance(reply.json, dict) else None
        if reply.status != 400 or field != case.field:
            wrong.append(f"{payload}: {reply.status} {field=} {json.dumps(reply.json)[:200]}")
    assert not wrong, "\n".join(wrong)
    assert await names(api, case.listing) == before


@pytest.mark.slow
async def test_file_urls_inside_the_root_are_accepted_by_every_area(
    api: ApiCall, root: Path
) -> None:
    url = f"file://{root}"
    sales = {"kind": "file", "path": f"{url}/sales.csv"}
    code = {**PROCESS["inputs"][0], "source": f"{url}/code"}
    accepted = [
        ("models", {"name": "by-url", "model_data": f"{url}/model"}),
        ("training-jobs", {**TRAIN, "channels": {"train": {"path": f"{url}/data"}}}),
        ("processing-jobs", {**PROCESS, "name": "by-url", "inputs": [code]}),
        ("wrangler/flows", {"name": f"{url}/by-url.flow", "source": sales}),
        ("wrangler/sources/preview", {"source": sales}),
    ]
    for route, body in accepted:
        reply = await api("POST", route, body)
        assert reply.status in (200, 201), (route, reply.json)


# ---- JSON that json.loads cannot take, or should not ----------------------------------------
def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


@pytest.mark.parametrize(
    ("hyperparameters", "field"),
    [
        (f'{{"deep": {nested(5000)}}}', "hyperparameters"),  # RecursionError in json.loads
        (f'{{"deep": {nested(100)}}}', "hyperparameters"),  # parses, but deeper than allowed
        ('{"seed": ' + "7" * 5001 + "}", "hyperparameters.seed"),  # int() refuses to read it
        ('{"lr": NaN}', "hyperparameters.lr"),
        ('{"lr": Infinity}', "hyperparameters.lr"),
        ('{"lr": -Infinity}', "hyperparameters.lr"),
        ('{"lr": 1e999}', "hyperparameters.lr"),  # a JSON number that is inf as a float
    ],
    ids=["deep-5000", "deep-100", "int-5001-digits", "nan", "inf", "-inf", "1e999"],
)
async def test_hostile_json_is_a_400_naming_the_field(
    api: ApiCall, root: Path, hyperparameters: str, field: str
) -> None:
    body = json.dumps(TRAIN)[:-1] + f', "hyperparameters": {hyperparameters}}}'
    reply = await api("POST", "training-jobs", raw=body.encode())
    assert reply.status == 400, reply.json
    assert reply.error["field"] == field, reply.error
    assert await names(api, "training-jobs") == []


async def test_endpoint_with_every_weight_zero_is_a_400_naming_variants(
    api: ApiCall, root: Path
) -> None:
    await resources(api)
    variants = [
        {"variant_name": "a", "model_name": "m", "initial_variant_weight": 0},
        {"variant_name": "b", "model_name": "m", "initial_variant_weight": 0},
    ]
    reply = await api("POST", "endpoints", {"name": "zero", "variants": variants})
    assert reply.status == 400, reply.json
    assert reply.error["field"] == "variants"
    assert "weight above 0" in reply.error["message"]
    assert await names(api, "endpoints") == []
    assert await names(api, "endpoint-configs") == []


# ---- spaces: PATCH validated like create; damaged rows never break a list -------------------
def smstudio(jp_serverapp: Any) -> Any:
    return jp_serverapp.web_app.settings["smstudio_services"]


async def space(api: ApiCall, name: str, user: str = "alice", **fields: Any) -> dict[str, Any]:
    reply = await api("POST", "spaces", {"name": name, "start": False, **fields}, user=user)
    assert reply.status == 201, reply.json
    return reply.json  # type: ignore[no-any-return]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"lifecycle_configs": None}, "lifecycle_configs"),
        ({"sharing": None}, "sharing"),
        ({"members": None}, "members"),
        ({"idle_timeout_minutes": False}, "idle_timeout_minutes"),  # a bool is not a number
        ({"storage_gb": True}, "storage_gb"),
    ],
)
async def test_patch_refuses_what_create_refuses_and_stores_nothing(
    api: ApiCall, change: dict[str, Any], field: str
) -> None:
    before = await space(api, "s1", members=["bob"], sharing="shared")
    reply = await api("PATCH", "spaces/s1", change)
    assert reply.status == 400, reply.json
    assert reply.error["field"] == field
    created = await api("POST", "spaces", {"name": "s2", "start": False, **change})
    assert created.status == 400, created.json
    after = await api("GET", "spaces/s1")
    assert after.status == 200
    assert {k: after.json[k] for k in before} == before
    for user in ("alice", "bob"):
        assert (await api("GET", "spaces", user=user)).status == 200
        assert (await api("GET", "idle", user=user)).status == 200


async def test_patch_null_means_the_default_where_create_allows_null(api: ApiCall) -> None:
    await space(api, "s1", storage_gb=2, idle_timeout_minutes=120)
    reply = await api("PATCH", "spaces/s1", {"storage_gb": None, "idle_timeout_minutes": None,
                                             "profile": None, "image": None})  # fmt: skip
    assert reply.status == 200, reply.json
    default = await space(api, "s2")
    changed = reply.json["space"]
    for key in ("storage_gb", "idle_timeout_minutes", "profile", "image"):
        assert changed[key] == default[key], key
    assert (await api("GET", "spaces/s1")).json["storage_gb"] == default["storage_gb"]


class Records(logging.Handler):
    """Keeps what a logger reports (whatever logging plugins the test run has)."""

    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def row_warnings() -> Iterator[Records]:
    """What the damaged-row reader logs during the test."""
    records = Records()
    logger = logging.getLogger("jupyter_smstudio.store.rows")
    logger.addHandler(records)
    yield records
    logger.removeHandler(records)


DAMAGE = {
    "json-null": "UPDATE spaces SET lifecycle_configs = 'null' WHERE name = 'bad'",
    "garbled-json": "UPDATE spaces SET members = '[\"bob\"' WHERE name = 'bad'",
    "unknown-status": "UPDATE spaces SET status = 'Exploded' WHERE name = 'bad'",
}


@pytest.mark.parametrize("damage", DAMAGE.values(), ids=DAMAGE.keys())
async def test_a_damaged_row_is_skipped_by_lists_and_the_idle_monitor(
    api: ApiCall, jp_serverapp: Any, tmp_path: Path, row_warnings: Records, damage: str
) -> None:
    await space(api, "bad", sharing="shared", members=["bob"], start=True)
    await space(api, "good", start=True)
    await space(api, "bobs", user="bob", start=True)
    services = smstudio(jp_serverapp)
    with sqlite3.connect(tmp_path / "smstudio" / "smstudio.db") as db:
        assert db.execute(damage).rowcount == 1  # as an older version might have left it
    for user, visible in (("alice", ["good"]), ("bob", ["bobs"])):
        listed = await api("GET", "spaces", user=user)
        assert listed.status == 200, listed.json
        assert [s["name"] for s in listed.json["items"]] == visible
        assert (await api("GET", "idle", user=user)).status == 200
    await services.idle.check()  # the monitor's own check, as its loop runs it
    assert sorted(services.idle.snapshot.spaces) == ["bobs", "good"]
    await services.spaces.recover()  # what a restart runs
    described = await api("GET", "spaces/bad")
    assert described.status == 422, described.json
    assert "cannot be read from the database" in described.error["message"]
    warnings = [r.getMessage() for r in row_warnings.records if "'bad'" in r.getMessage()]
    assert len(warnings) == 1, warnings  # reported once, not on every list
