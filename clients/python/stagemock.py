"""stagemock.py - the stage API mock inside a Python process, through ctypes
over libstagemock.so (standard library only), so a Python client's tests embed
the mock the way a JUnit test embeds WireMock.

    from stagemock import Server

    with Server(stages=["s1"], keys={"k1": None}) as srv:
        my_client.upload(srv.url, srv.key, "s1", "a.parquet")
        assert [f["name"] for f in srv.files("s1")] == ["a.parquet"]
        srv.fault("upload:nth=1:status=503:retry-after=1")
        print(srv.journal()["entries"])

The library is found through $STAGEMOCK_LIB, else build/{debug,release,asan}/
libstagemock.so above this file (`make` builds it). The server listens on a
free loopback port. With pytest installed, the fixture `stagemock_server`
yields a started Server with stage "s1" and key "k1".

The C struct sm_server_config is never laid out here: a generous buffer is
filled by sm_server_config_init (port 0, memory stages), which is all the
wrapper needs; everything else goes through functions.
"""
import ctypes
import json
import os

__all__ = ["Server", "StagemockError", "load_library"]


class StagemockError(Exception):
    """A libstagemock call failed; the message is the library's."""


class _Error(ctypes.Structure):
    _fields_ = [("code", ctypes.c_int), ("http_status", ctypes.c_int),
                ("rule", ctypes.c_char_p), ("message", ctypes.c_char * 256)]


def load_library(path=None):
    """Load libstagemock.so and declare the functions the wrapper uses."""
    here = os.path.dirname(os.path.abspath(__file__))
    top = os.path.dirname(os.path.dirname(here))
    candidates = [path, os.environ.get("STAGEMOCK_LIB")] + [
        os.path.join(top, "build", m, "libstagemock.so") for m in ("debug", "release", "asan")]
    for c in candidates:
        if c and os.path.exists(c):
            lib = ctypes.CDLL(c)
            break
    else:
        raise StagemockError("libstagemock.so not found: run make, or set STAGEMOCK_LIB")
    vp, cp, err = ctypes.c_void_p, ctypes.c_char_p, ctypes.POINTER(_Error)
    sigs = {
        "sm_server_config_init": (None, [vp]),
        "sm_server_new": (ctypes.c_int, [vp, ctypes.POINTER(vp), err]),
        "sm_server_start": (ctypes.c_int, [vp, err]),
        "sm_server_stop": (None, [vp]),
        "sm_server_free": (None, [vp]),
        "sm_server_url": (cp, [vp]),
        "sm_server_add_stage": (ctypes.c_int, [vp, cp, err]),
        "sm_server_add_key": (ctypes.c_int, [vp, cp, ctypes.POINTER(cp), ctypes.c_size_t, err]),
        "sm_server_add_fault": (ctypes.c_int, [vp, cp, err]),
        "sm_server_load_scenario": (ctypes.c_int, [vp, cp, ctypes.c_size_t, cp, err]),
        "sm_server_clear_rules": (None, [vp]),
        "sm_server_reset": (None, [vp]),
        "sm_server_journal_json": (vp, [vp]),
        "sm_server_stages_json": (vp, [vp]),
        "sm_free": (None, [vp]),
    }
    for name, (res, args) in sigs.items():
        fn = getattr(lib, name)
        fn.restype, fn.argtypes = res, args
    return lib


class Server:
    """A mock stage server on a free loopback port, for one `with` block.

    stages: stage names to create; keys: {key: None (sees every stage) or a
    list of stages}. The first key is `key`; `url` is set once started."""

    def __init__(self, stages=("s1",), keys=None, lib=None):
        self._lib = lib or load_library()
        self.stages = list(stages)
        self.keys = dict(keys) if keys is not None else {"k1": None}
        self.key = next(iter(self.keys), None)
        self.url = None
        self._srv = ctypes.c_void_p()

    def _check(self, rc, e):
        if rc != 0:
            raise StagemockError(e.message.decode("utf-8", "replace"))

    def start(self):
        cfg = ctypes.create_string_buffer(1024)
        self._lib.sm_server_config_init(cfg)
        e = _Error()
        self._check(self._lib.sm_server_new(cfg, ctypes.byref(self._srv), ctypes.byref(e)), e)
        try:
            for s in self.stages:
                self._check(self._lib.sm_server_add_stage(self._srv, s.encode(), ctypes.byref(e)), e)
            for k, only in self.keys.items():
                arr = None if only is None else (ctypes.c_char_p * len(only))(
                    *[s.encode() for s in only])
                n = 0 if only is None else len(only)
                self._check(self._lib.sm_server_add_key(self._srv, k.encode(), arr, n,
                                                        ctypes.byref(e)), e)
            self._check(self._lib.sm_server_start(self._srv, ctypes.byref(e)), e)
        except StagemockError:
            self.stop()
            raise
        self.url = self._lib.sm_server_url(self._srv).decode()
        return self

    def stop(self):
        if self._srv:
            self._lib.sm_server_free(self._srv)
            self._srv = ctypes.c_void_p()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
        return False

    def _json(self, fn):
        p = fn(self._srv)
        if not p:
            raise StagemockError("out of memory")
        try:
            return json.loads(ctypes.string_at(p).decode("utf-8"))
        finally:
            self._lib.sm_free(p)

    def journal(self):
        """{"seed":…, "entries":[…]}: one entry per completed request."""
        return self._json(self._lib.sm_server_journal_json)

    def files(self, stage):
        """The stage's files in order, as dicts with name, file_id, size, …"""
        for s in self._json(self._lib.sm_server_stages_json)["stages"]:
            if s["name"] == stage:
                return s["files"]
        raise StagemockError("no stage %r" % stage)

    def fault(self, spec):
        """Add one scenario rule from a --fault spec (docs/SCENARIOS.md)."""
        e = _Error()
        self._check(self._lib.sm_server_add_fault(self._srv, spec.encode(), ctypes.byref(e)), e)

    def scenario(self, doc, base_dir=None):
        """Replace the scenario (a dict or JSON text)."""
        text = (doc if isinstance(doc, str) else json.dumps(doc)).encode()
        e = _Error()
        self._check(self._lib.sm_server_load_scenario(
            self._srv, text, len(text), base_dir.encode() if base_dir else None,
            ctypes.byref(e)), e)

    def clear_rules(self):
        self._lib.sm_server_clear_rules(self._srv)

    def reset(self):
        """Forget stored files and the journal; stages and keys stay."""
        self._lib.sm_server_reset(self._srv)


try:
    import pytest
except ImportError:  # pytest is optional
    pytest = None

if pytest is not None:
    @pytest.fixture
    def stagemock_server():
        with Server() as srv:
            yield srv
