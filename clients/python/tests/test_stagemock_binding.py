"""Tests of the ctypes binding's Server beyond the fixture: verify (its diff,
exactly), the journal in request order, reset, scenario documents and rules,
profile and preload refusals. Run by clients/tests/python_pkg_test.sh with
Debian's pytest against the installed package.

The last test, test_verify_failure_shows_diff, fails on purpose: the script
checks that pytest prints the verification's diff in its report.
"""
import os
import threading
import time

import pytest
import requests

import stagemock

FIX = os.environ["STAGEMOCK_FIXTURES"]
A = os.path.join(FIX, "order", "step_01.parquet")
B = os.path.join(FIX, "order", "step_02.parquet")


def upload(srv, path, name):
    with open(path, "rb") as f:
        return requests.post(srv.url + "/upload-to-stage", data={"stage_id": srv.stage},
                             files={"file": (name, f, "application/octet-stream")},
                             headers={"Authorization": "Key " + srv.key}, timeout=10)


def list_files(srv):
    return requests.post(srv.url + "/list-stage-files", data={"stage_id": srv.stage},
                         headers={"Authorization": "Key " + srv.key}, timeout=10)


def test_verify_holds_and_fails_with_the_diff(stagemock_server):
    srv = stagemock_server
    assert upload(srv, B, "b.parquet").status_code == 200
    assert upload(srv, A, "a.parquet").status_code == 200
    assert upload(srv, A, "a.parquet").status_code == 409
    assert srv.verify("exactly 2 upload status=200\nnever list; upload rule=unique-names") is None
    with pytest.raises(AssertionError) as e:
        srv.verify("in order {\n  upload file=a.parquet\n  upload file=b.parquet\n}")
    assert str(e.value) == (
        "stagemock verify: 1 of 1 statement not met (3 requests in the journal, in request order)\n"
        "FAIL  line 1: in order { upload file=a.parquet; upload file=b.parquet }\n"
        "      2 patterns, 3 requests match them\n"
        "      first divergence: unexpected #1 upload stage=s1 file=b.parquet status=200 "
        "(not expected here)\n"
        "        expected               | actual\n"
        "      > (not expected here)    | #1 upload stage=s1 file=b.parquet status=200\n"
        "        upload file=a.parquet  | #2 upload stage=s1 file=a.parquet status=200\n"
        "      ! upload file=b.parquet  | #3 upload stage=s1 file=a.parquet status=409 "
        "rule=unique-names\n")


def test_verify_refuses_a_bad_expectation(stagemock_server):
    with pytest.raises(stagemock.StagemockError) as e:
        stagemock_server.verify("exactly two upload")
    assert str(e.value) == ("verify: line 1, column 9: expected a count (0 to 1000000000) after "
                            "'exactly', found 'two'")
    assert (e.value.rule, e.value.status) == ("error-json", 400)


def test_journal_in_request_order(stagemock_server):
    srv = stagemock_server
    srv.rule({"match": {"endpoint": "list"}, "action": {"real": True, "delay_ms": 800}})
    done = {}
    t = threading.Thread(target=lambda: done.setdefault("list", list_files(srv).status_code))
    t.start()
    for _ in range(300):  # until the list holds its delay: it came first
        if srv.scenario_report()["rules"][0]["fired"] == 1:
            break
        time.sleep(0.01)
    assert upload(srv, A, "a.parquet").status_code == 200  # came second, completes first
    t.join(10)
    assert done == {"list": 200}
    entries = srv.journal()["entries"]
    assert [e["path"] for e in entries] == ["/list-stage-files", "/upload-to-stage"]
    assert entries[0]["seq"] < entries[1]["seq"]
    assert entries[0]["end_us"] > entries[1]["end_us"]  # completion time, exact integers
    assert all(isinstance(e["end_us"], int) for e in entries)
    srv.verify("in order { list; upload }")
    assert srv.journal_count() == 2


def test_reset_forgets_files_and_journal(stagemock_server):
    srv = stagemock_server
    assert upload(srv, A, "a.parquet").status_code == 200
    assert srv.journal_count() == 1  # waits for the entry: reset does not wait for it
    srv.reset()
    assert srv.files("s1") == [] and srv.journal()["entries"] == []
    srv.verify("never any")
    assert upload(srv, A, "a.parquet").status_code == 200  # the name is free again
    srv.verify("exactly 1 upload file=a.parquet status=200")


def test_scenario_document_and_rules(stagemock_server):
    srv = stagemock_server
    srv.scenario({"rules": [{"name": "down", "match": {"endpoint": "list"},
                             "action": {"status": 503, "message": "busy"}}]})
    assert [r.get("name") for r in srv.rules()] == ["down"]
    assert list_files(srv).status_code == 503
    srv.rule('{"match": {"endpoint": "upload"}, "action": {"status": 500}}')
    assert len(srv.rules()) == 2
    assert upload(srv, A, "a.parquet").status_code == 500
    srv.clear_rules()
    assert srv.rules() == []
    assert list_files(srv).status_code == 200
    srv.verify("in order { list status=503; upload status=500; list status=200 }")
    with pytest.raises(stagemock.StagemockError):
        srv.rule({"match": {"endpoint": "nowhere"}, "action": {"status": 500}})


def test_profile_and_preload(stagemock_server):
    srv = stagemock_server
    srv.profile('{"list_files_field": "items"}')
    with open(A, "rb") as f:
        srv.preload("s1", "p.parquet", f.read())
    assert [f["name"] for f in list_files(srv).json()["items"]] == ["p.parquet"]
    srv.verify("exactly 1 any; never upload")  # a preload is no request
    with pytest.raises(stagemock.StagemockError) as e:
        srv.profile({"no_such_field": 1})
    assert "no_such_field" in str(e.value)
    with pytest.raises(stagemock.StagemockError) as e:
        srv.preload("s1", "p.parquet", open(B, "rb").read())
    assert e.value.rule == "unique-names"


def test_verify_failure_shows_diff(stagemock_server):
    """Fails on purpose: the client uploaded b before a."""
    srv = stagemock_server
    assert upload(srv, B, "b.parquet").status_code == 200
    assert upload(srv, A, "a.parquet").status_code == 200
    srv.verify("in order { upload file=a.parquet; upload file=b.parquet }")
