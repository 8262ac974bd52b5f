"""stagemock.pytest_plugin - the `stagemock_server` fixture.

Registered through the `pytest11` entry point when the package is installed
(pip install ./clients/python); from a source tree, `-p stagemock.pytest_plugin`
or `pytest_plugins = ["stagemock.pytest_plugin"]` in a conftest.py loads it.

    def test_upload(stagemock_server):
        srv = stagemock_server            # a started stagemock.Server
        my_client.upload(srv.url, srv.key, srv.stage, "a.parquet")
        srv.assert_files("s1", ["a.parquet"])
        assert len(srv.requests("/upload-to-stage")) == 1

Each test gets a fresh in-process server on a free loopback port (stage "s1",
key "k1" unless a marker says otherwise), stopped and freed after the test,
whether it passed or not. The marker configures it:

    @pytest.mark.stagemock(stages=["a", "b"], keys={"k1": None, "k2": ["b"]},
                           profile={"file_id_field": "id"},
                           scenario={"rules": [...]}, faults=["upload:nth=1:status=503"],
                           tls=True)   # HTTPS; the CA file is srv.ca
"""
import pytest

from stagemock import Server

_MARKER_ARGS = ("stages", "keys", "profile", "scenario", "faults", "tls")


def pytest_configure(config):
    config.addinivalue_line(
        "markers",
        "stagemock(stages, keys, profile, scenario, faults, tls): set up the stagemock_server "
        "fixture of this test (docs/PYTHON.md)")


@pytest.fixture
def stagemock_server(request):
    """A started stagemock.Server for this test only; stopped after it."""
    marker = request.node.get_closest_marker("stagemock")
    kw = dict(marker.kwargs) if marker is not None else {}
    unknown = sorted(set(kw) - set(_MARKER_ARGS))
    if unknown or (marker is not None and marker.args):
        raise pytest.UsageError("@pytest.mark.stagemock takes only the keywords %s; got %s"
                                % (", ".join(_MARKER_ARGS),
                                   ", ".join(unknown) or "positional arguments"))
    srv = Server(stages=kw.get("stages", ("s1",)), keys=kw.get("keys"), tls=kw.get("tls", False))
    srv.start()
    try:
        if kw.get("profile") is not None:
            srv.profile(kw["profile"])
        if kw.get("scenario") is not None:
            srv.scenario(kw["scenario"])
        for spec in kw.get("faults") or ():
            srv.fault(spec)
        yield srv
    finally:
        srv.stop()
