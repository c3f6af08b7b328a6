"""Fly.io Machines sandbox: list, read and restart Machines; a restart clears the hosted
service's faults; the restart's answer can be lost before or after it acts."""

from __future__ import annotations

import pytest
import requests

from integrations.catalogue import CATALOGUE
from sandbox.vendors.fly import APPS

AUTH = {"Authorization": "Bearer sandbox-fly-token"}


@pytest.fixture
def machines_url(sandbox):
    return f"{sandbox.url}/fly/v1/apps/hotrodan-rag/machines"


def machines(url):
    return requests.get(url, headers=AUTH, timeout=5).json()


def restart(url, machine_id, timeout=5):
    return requests.post(f"{url}/{machine_id}/restart", headers=AUTH, timeout=timeout)


def test_list__machines_with_ids_state_region_and_events(machines_url):
    found = machines(machines_url)
    assert len(found) == 2
    first = found[0]
    assert len(first["id"]) == 14 and int(first["id"], 16) >= 0
    assert (first["state"], first["region"]) == ("started", "iad")
    assert first["events"][0]["type"] == "start"  # newest first
    assert isinstance(first["events"][0]["timestamp"], int)


def test_list__same_seed__same_machine_ids(machines_url):
    assert [m["id"] for m in machines(machines_url)] == [m["id"] for m in machines(machines_url)]


def test_list__without_token__401_in_flys_shape(machines_url):
    resp = requests.get(machines_url, timeout=5)
    assert (resp.status_code, resp.json()) == (401, {"error": "unauthorized"})


def test_list__unknown_app__404(sandbox):
    resp = requests.get(f"{sandbox.url}/fly/v1/apps/nope/machines", headers=AUTH, timeout=5)
    assert resp.status_code == 404 and "not found" in resp.json()["error"]


def test_get__one_machine(machines_url):
    machine = machines(machines_url)[1]
    got = requests.get(f"{machines_url}/{machine['id']}", headers=AUTH, timeout=5).json()
    assert got["id"] == machine["id"]


def test_restart__ok_and_a_restart_event_is_recorded(sandbox, machines_url):
    machine = machines(machines_url)[0]
    resp = restart(machines_url, machine["id"])
    assert (resp.status_code, resp.json()) == (200, {"ok": True})
    events = machines(machines_url)[0]["events"]
    assert (events[0]["type"], events[0]["source"]) == ("restart", "user")
    assert sandbox.state()["fly"]["restarts"] == {machine["id"]: 1}


def test_restart__clears_the_hosted_services_outage(sandbox, machines_url):
    sandbox.set_faults("llamaindex", outage=True)
    restart(machines_url, machines(machines_url)[0]["id"])
    assert sandbox.faults("llamaindex")["outage"] is False


def test_restart__mcp_app__clears_only_its_servers_faults(sandbox):
    sandbox.set_faults("mcp/fly", outage=True)
    sandbox.set_faults("mcp/github", outage=True)
    url = f"{sandbox.url}/fly/v1/apps/hotrodan-mcp-fly/machines"
    restart(url, machines(url)[0]["id"])
    assert sandbox.faults("mcp/fly")["outage"] is False
    assert sandbox.faults("mcp/github")["outage"] is True


def test_restart__state_cycles_over_restart_ms(sandbox, machines_url):
    sandbox.set_faults("fly", restart_ms=60_000)
    machine_id = machines(machines_url)[0]["id"]
    restart(machines_url, machine_id)
    assert machines(machines_url)[0]["state"] == "stopping"
    again = restart(machines_url, machine_id)  # not started: refused
    assert again.status_code == 412
    sandbox.set_faults("fly", restart_ms=0)
    assert machines(machines_url)[0]["state"] == "started"


def test_restart_fault__reset_before__no_answer_and_no_restart(sandbox, machines_url):
    sandbox.set_faults("fly", restart_fault="reset_before")
    with pytest.raises(requests.ConnectionError):
        restart(machines_url, machines(machines_url)[0]["id"])
    assert sandbox.state()["fly"]["restarts"] == {}


def test_restart_fault__hang_after__restarted_but_no_answer(sandbox, machines_url):
    sandbox.set_faults("fly", restart_fault="hang_after", hang_ms=2000)
    machine_id = machines(machines_url)[0]["id"]
    with pytest.raises(requests.exceptions.ReadTimeout):
        restart(machines_url, machine_id, timeout=0.5)
    assert sandbox.state()["fly"]["restarts"] == {machine_id: 1}


def test_calls__recorded_for_tests(sandbox, machines_url):
    machines(machines_url)
    assert sandbox.state()["fly"]["calls"] == [
        {"method": "GET", "path": "/v1/apps/hotrodan-rag/machines"}
    ]


def test_apps__every_fly_hosted_catalogue_service_has_its_app():
    hosted = {
        e["config"]["hosting"]["app"]: e
        for e in CATALOGUE
        if e["config"].get("hosting", {}).get("provider") == "fly"
    }
    assert set(hosted) == set(APPS)
    for app, entry in hosted.items():
        assert APPS[app] == entry["sandbox_path"]
