"""HTTPS through the Python binding, run by conformance/tests/conform_tls_test.sh
with Debian's pytest and `-p stagemock.pytest_plugin` against the source tree.

STAGEMOCK_OTHER_KEY names a key file of another certificate (for the mismatch).
"""
import os
import stat

import pytest
import requests

import stagemock


def listing(srv, **kw):
    return requests.post(srv.url + "/list-stage-files", data={"stage_id": "s1"},
                         headers={"Authorization": "Key k1"}, timeout=10, **kw)


def test_generated_then_given(tmp_path):
    with stagemock.Server(tls=True) as srv:
        assert srv.url.startswith("https://127.0.0.1:")
        assert stat.S_IMODE(os.stat(srv.ca).st_mode) == 0o644
        assert listing(srv, verify=srv.ca).json() == {"files": []}
        with pytest.raises(requests.exceptions.SSLError):
            listing(srv, verify=True)  # the system's trust store does not know it
        ca, d = srv.ca, os.path.dirname(srv.ca)
        for f in ("ca.pem", "cert.pem", "key.pem"):
            with open(os.path.join(d, f), "rb") as src:
                (tmp_path / f).write_bytes(src.read())
    assert srv.ca is None and not os.path.exists(ca)  # removed at stop
    cert, key = str(tmp_path / "cert.pem"), str(tmp_path / "key.pem")
    with stagemock.Server(tls_cert=cert, tls_key=key) as srv:
        assert srv.ca is None
        assert listing(srv, verify=str(tmp_path / "ca.pem")).status_code == 200
    with pytest.raises(stagemock.StagemockError, match="key file too"):
        stagemock.Server(tls_cert=cert).start()
    with pytest.raises(stagemock.StagemockError, match="does not belong"):
        stagemock.Server(tls_cert=cert, tls_key=os.environ["STAGEMOCK_OTHER_KEY"]).start()


@pytest.mark.stagemock(tls=True)
def test_marker(stagemock_server):
    srv = stagemock_server
    assert srv.url.startswith("https://")
    assert listing(srv, verify=srv.ca).status_code == 200


def test_plain_by_default(stagemock_server):
    assert stagemock_server.url.startswith("http://") and stagemock_server.ca is None
