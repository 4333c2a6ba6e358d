"""Lifecycle configurations through the REST API."""

from __future__ import annotations

import pytest

from .conftest import ApiCall

pytestmark = pytest.mark.usefixtures("jp_serverapp")


def config(name: str = "install-pandas", **extra: str) -> dict[str, str]:
    return {
        "name": name,
        "type": "on-start",
        "content": "#!/bin/bash\npip install pandas\n",
        **extra,
    }


async def test_create_describe_list_delete(api: ApiCall) -> None:
    created = await api("POST", "lifecycle-configs", config(description="adds pandas"))
    assert created.status == 201
    assert created.json["owner"] == "alice"
    assert created.json["created_ms"] > 1_600_000_000_000  # milliseconds, not seconds
    got = await api("GET", "lifecycle-configs/install-pandas")
    assert got.json == created.json
    listed = await api("GET", "lifecycle-configs")
    assert [c["name"] for c in listed.json["items"]] == ["install-pandas"]
    assert listed.json["next_token"] is None
    assert (await api("DELETE", "lifecycle-configs/install-pandas")).status == 204
    gone = await api("GET", "lifecycle-configs/install-pandas")
    assert gone.status == 404
    assert gone.error["code"] == "ResourceNotFound"
    assert (await api("DELETE", "lifecycle-configs/install-pandas")).status == 404


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (config(name="-bad"), "name"),
        (config(name="has_underscore"), "name"),
        (config(name="x" * 64), "name"),
        ({"name": "ok", "type": "on-boot", "content": "true"}, "type"),
        ({"name": "ok", "type": "on-start"}, "content"),
        ({"type": "on-start", "content": "true"}, "name"),
    ],
)
async def test_bad_input_is_refused_naming_the_field(
    api: ApiCall, body: dict[str, str], field: str
) -> None:
    reply = await api("POST", "lifecycle-configs", body)
    assert reply.status == 400, reply.json
    assert reply.error["field"] == field
    assert reply.error["message"].startswith(field)
    assert (await api("GET", "lifecycle-configs")).json["items"] == []


async def test_oversized_script_is_413_and_nothing_is_created(api: ApiCall) -> None:
    reply = await api("POST", "lifecycle-configs", config(content="#" * 16385))
    assert reply.status == 413
    assert reply.error["field"] == "content"
    assert "16384" in reply.error["message"]
    assert (await api("GET", "lifecycle-configs")).json["items"] == []
    assert (await api("POST", "lifecycle-configs", config(content="#" * 16384))).status == 201


async def test_duplicate_name_is_a_conflict(api: ApiCall) -> None:
    assert (await api("POST", "lifecycle-configs", config())).status == 201
    reply = await api("POST", "lifecycle-configs", config(content="echo other"))
    assert reply.status == 409
    assert reply.error["field"] == "name"
    kept = await api("GET", "lifecycle-configs/install-pandas")
    assert "pandas" in kept.json["content"], "a refused create must not overwrite"


async def test_users_never_see_each_others_configs(api: ApiCall) -> None:
    assert (await api("POST", "lifecycle-configs", config(), user="alice")).status == 201
    assert (await api("GET", "lifecycle-configs", user="bob")).json["items"] == []
    assert (await api("GET", "lifecycle-configs/install-pandas", user="bob")).status == 404
    assert (await api("DELETE", "lifecycle-configs/install-pandas", user="bob")).status == 404
    # bob may use the same name for his own config
    assert (await api("POST", "lifecycle-configs", config(), user="bob")).status == 201
    assert (await api("GET", "lifecycle-configs/install-pandas", user="alice")).status == 200


async def test_pagination_filters_and_sorting(api: ApiCall) -> None:
    for i in range(7):
        kind = "on-create" if i % 2 else "on-start"
        body = {"name": f"cfg-{i}", "type": kind, "content": "true"}
        assert (await api("POST", "lifecycle-configs", body)).status == 201
    seen: list[str] = []
    params = {"limit": "3", "sort_by": "name", "sort_order": "asc"}
    while True:
        page = (await api("GET", "lifecycle-configs", params=params)).json
        assert len(page["items"]) <= 3
        seen += [c["name"] for c in page["items"]]
        if not page["next_token"]:
            break
        params = {**params, "next_token": page["next_token"]}
    assert seen == [f"cfg-{i}" for i in range(7)]

    creates = (await api("GET", "lifecycle-configs", params={"type": "on-create"})).json
    assert {c["name"] for c in creates["items"]} == {"cfg-1", "cfg-3", "cfg-5"}
    named = (await api("GET", "lifecycle-configs", params={"name_contains": "-6"})).json
    assert [c["name"] for c in named["items"]] == ["cfg-6"]
    newest = (await api("GET", "lifecycle-configs", params={"limit": "1"})).json
    assert newest["items"][0]["name"] == "cfg-6"


async def test_next_token_must_match_its_filters(api: ApiCall) -> None:
    for i in range(3):
        await api(
            "POST", "lifecycle-configs", {"name": f"c{i}", "type": "on-start", "content": "true"}
        )
    token = (await api("GET", "lifecycle-configs", params={"limit": "1"})).json["next_token"]
    reply = await api(
        "GET", "lifecycle-configs", params={"next_token": token, "name_contains": "c"}
    )
    assert reply.status == 400
    assert reply.error["field"] == "next_token"
    reply = await api("GET", "lifecycle-configs", params={"next_token": "garbage!"})
    assert reply.status == 400
    assert reply.error["field"] == "next_token"


async def test_name_contains_treats_wildcards_literally(api: ApiCall) -> None:
    await api("POST", "lifecycle-configs", {"name": "abc", "type": "on-start", "content": "true"})
    reply = await api("GET", "lifecycle-configs", params={"name_contains": "%"})
    assert reply.json["items"] == []


async def test_the_ready_scripts_are_offered_as_templates_that_create_as_is(
    api: ApiCall,
) -> None:
    reply = await api("GET", "lifecycle-templates")
    assert reply.status == 200
    by_name = {t["name"]: t for t in reply.json["items"]}
    assert by_name["install-packages"]["type"] == "on-start"
    assert by_name["clone-repo"]["type"] == "on-create"
    assert by_name["install-packages"]["content"].startswith("#!/bin/bash")
    assert "pip-installs" in by_name["install-packages"]["description"]
    for template in reply.json["items"]:  # each fits a configuration as it is
        body = {"name": template["name"], "type": template["type"],
                "content": template["content"]}  # fmt: skip
        assert (await api("POST", "lifecycle-configs", body)).status == 201
