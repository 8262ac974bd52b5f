"""Tests of the stagemock pytest plugin (fixture `stagemock_server`), run by
clients/tests/python_pkg_test.sh with Debian's pytest against the installed
package: no conftest.py, so the fixture comes from the pytest11 entry point.

STAGEMOCK_FIXTURES names a `stagemock fixtures --out` folder. The last test,
test_expected_failure, fails on purpose: the script checks that pytest reports
exactly it as failed, with the fixture's assertion message.
"""
import os

import pytest
import requests

import stagemock

FIX = os.environ["STAGEMOCK_FIXTURES"]
A = os.path.join(FIX, "order", "step_01.parquet")
B = os.path.join(FIX, "order", "step_02.parquet")
seen = {}


def upload(srv, path, name, stage=None, key=None):
    with open(path, "rb") as f:
        return requests.post(srv.url + "/upload-to-stage", data={"stage_id": stage or srv.stage},
                             files={"file": (name, f, "application/octet-stream")},
                             headers={"Authorization": "Key " + (key or srv.key)}, timeout=10)


def test_upload_is_journaled(stagemock_server):
    srv = stagemock_server
    assert srv.url.startswith("http://127.0.0.1:") and srv.key == "k1" and srv.stage == "s1"
    r = upload(srv, A, "a.parquet")
    assert r.status_code == 200 and r.json()["file_id"].startswith("f_")
    srv.assert_files("s1", ["a.parquet"])
    ups = srv.requests("/upload-to-stage")
    assert [(e["status"], e["file_name"], e["stage"]) for e in ups] == [(200, "a.parquet", "s1")]
    seen["url"], seen["srv"] = srv.url, srv


def test_fresh_server_per_test(stagemock_server):
    srv = stagemock_server
    assert srv.files("s1") == [] and srv.journal()["entries"] == []
    assert upload(srv, A, "a.parquet").status_code == 200  # a 409 on the last test's server
    assert seen["srv"] is not srv and not seen["srv"]._srv  # the last one was freed
    if seen["url"] != srv.url:  # and its port refuses connections (the socket is closed)
        with pytest.raises(requests.exceptions.ConnectionError):
            requests.post(seen["url"] + "/list-stage-files", data={"stage_id": "s1"},
                          headers={"Authorization": "Key k1"}, timeout=2)


def test_rejection_names_its_rule(stagemock_server):
    srv = stagemock_server
    assert upload(srv, A, "a.parquet").status_code == 200
    r = upload(srv, B, "a.parquet")
    assert r.status_code == 409 and r.headers["X-Stagemock-Rule"] == "unique-names"
    assert "a.parquet" in r.json()["message"]
    assert [e["rule"] for e in srv.requests("/upload-to-stage")] == [None, "unique-names"]


@pytest.mark.stagemock(stages=["x", "y"], keys={"k1": None, "k2": ["y"]},
                       faults=["upload:nth=1:status=503:retry-after=0:message=busy"])
def test_marker_sets_stages_keys_and_faults(stagemock_server):
    srv = stagemock_server
    assert srv.stages == ["x", "y"] and srv.stage == "x"
    r = upload(srv, A, "a.parquet")
    assert (r.status_code, r.headers.get("Retry-After"), r.json()) == (503, "0", {"message": "busy"})
    assert upload(srv, A, "a.parquet").status_code == 200
    assert upload(srv, A, "b.parquet", stage="x", key="k2").status_code == 404  # not its stage
    assert [r["fired"] for r in srv.scenario_report()["rules"]] == [1]


def test_rules_profile_preload(stagemock_server):
    srv = stagemock_server
    srv.profile({"file_id_field": "id"})
    assert "id" in upload(srv, A, "a.parquet").json()
    srv.rule({"match": {"endpoint": "list"}, "action": {"status": 500, "message": "down"}})
    assert len(srv.rules()) == 1
    r = requests.post(srv.url + "/list-stage-files", data={"stage_id": "s1"},
                      headers={"Authorization": "Key k1"}, timeout=10)
    assert (r.status_code, r.json()) == (500, {"message": "down"})
    with open(B, "rb") as f:
        srv.preload("s1", "p.parquet", f.read())
    srv.assert_files("s1", ["a.parquet", "p.parquet"])
    with pytest.raises(stagemock.StagemockError) as e:
        srv.preload("s1", "bad.parquet", b"not parquet at all")
    assert e.value.rule == "parquet-only" and e.value.status == 400


def test_expected_failure(stagemock_server):
    """Fails on purpose: one file uploaded, two expected."""
    srv = stagemock_server
    assert upload(srv, A, "a.parquet").status_code == 200
    srv.assert_files("s1", ["a.parquet", "b.parquet"])
