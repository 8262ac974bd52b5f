"""stagemock - the stage API mock inside a Python process, through ctypes
over libstagemock.so (standard library only), so a Python client's tests embed
the mock the way a JUnit test embeds WireMock.

    from stagemock import Server

    with Server(stages=["s1"], keys={"k1": None}) as srv:
        my_client.upload(srv.url, srv.key, "s1", "a.parquet")
        assert [f["name"] for f in srv.files("s1")] == ["a.parquet"]
        srv.fault("upload:nth=1:status=503:retry-after=1")
        print(srv.journal()["entries"])
        srv.verify("in order { upload file=a.parquet status=200 }")  # AssertionError + diff

Installed with `pip install ./clients/python` (or `make install`), the
package also registers a pytest plugin (stagemock.pytest_plugin): the fixture
`stagemock_server` gives each test a started Server with stage "s1" and key
"k1", stopped after the test (docs/PYTHON.md).

libstagemock.so is looked for, in this order: the `path` argument of
load_library, $STAGEMOCK_LIB, next to this package, build/{debug,release,asan}/
of the source tree this package sits in, the `lib` folder of the prefix it is
installed under, and the system's library path (ctypes.util.find_library).

The C struct sm_server_config is never laid out here: a generous buffer is
filled by sm_server_config_init (port 0, memory stages), which is all the
wrapper needs; everything else goes through functions.
"""
import ctypes
import ctypes.util
import glob
import json
import os

__all__ = ["Server", "StagemockError", "find_library", "load_library"]


__version__ = "0.1.0"


_SM_E_MISMATCH = 11  # enum sm_code (include/stagemock/error.h)


class StagemockError(Exception):
    """A libstagemock call failed; the message is the library's, `rule` the rule
    id it carries (docs/RULES.md) or None, `status` the HTTP status it would get."""

    def __init__(self, message, rule=None, status=0):
        super().__init__(message)
        self.rule = rule
        self.status = status


class _Error(ctypes.Structure):
    _fields_ = [("code", ctypes.c_int), ("http_status", ctypes.c_int),
                ("rule", ctypes.c_int), ("message", ctypes.c_char * 256)]  # enum sm_rule


def _candidates(path=None):
    """(files to try, most specific first; the places they stand for, for messages)."""
    here = os.path.dirname(os.path.abspath(__file__))
    files, places = [], []
    for name, value in (("the path argument", path), ("STAGEMOCK_LIB", os.environ.get("STAGEMOCK_LIB"))):
        if value:
            files.append(value)
            places.append("%s (%s)" % (value, name))
    dirs = [here]
    top = os.path.dirname(os.path.dirname(os.path.dirname(here)))  # clients/python/stagemock
    if os.path.isfile(os.path.join(top, "clients", "python", "stagectl.py")):
        dirs += [os.path.join(top, "build", m) for m in ("debug", "release", "asan")]
    d = here
    while os.path.dirname(d) != d:  # PREFIX/lib/python3*/…-packages/stagemock -> PREFIX/lib
        d = os.path.dirname(d)
        if os.path.basename(d) in ("lib", "lib64"):
            dirs += [d] + sorted(glob.glob(os.path.join(d, "*-linux-gnu")))
    for d in dirs:
        files += sorted(glob.glob(os.path.join(d, "libstagemock.so*")))
        places.append(d)
    return files, places


def find_library(path=None):
    """The path of the libstagemock.so load_library would load (nothing is loaded)."""
    for name, value in (("path", path), ("STAGEMOCK_LIB", os.environ.get("STAGEMOCK_LIB"))):
        if value and not os.path.exists(value):
            raise StagemockError("%s=%s: no such file" % (name, value))
    files, places = _candidates(path)
    found = next((c for c in files if os.path.exists(c)), None)
    if found is None:
        found = ctypes.util.find_library("stagemock")
    if found is None:
        raise StagemockError(
            "libstagemock.so not found (tried %s and the system library path): build it with "
            "make, install it with make install, or set STAGEMOCK_LIB to its path"
            % ", ".join(places))
    return found


def load_library(path=None):
    """Load libstagemock.so and declare the functions the wrapper uses."""
    found = find_library(path)
    try:
        lib = ctypes.CDLL(found)
    except OSError as e:
        raise StagemockError("cannot load %s: %s" % (found, e)) from None
    vp, cp, err = ctypes.c_void_p, ctypes.c_char_p, ctypes.POINTER(_Error)
    sigs = {
        "sm_server_config_init": (None, [vp]),
        "sm_server_new": (ctypes.c_int, [vp, ctypes.POINTER(vp), err]),
        "sm_server_start": (ctypes.c_int, [vp, err]),
        "sm_server_stop": (None, [vp]),
        "sm_server_free": (None, [vp]),
        "sm_server_url": (cp, [vp]),
        "sm_server_use_tls": (ctypes.c_int, [vp, cp, cp, err]),
        "sm_server_tls_ca": (cp, [vp]),
        "sm_server_add_stage": (ctypes.c_int, [vp, cp, err]),
        "sm_server_add_key": (ctypes.c_int, [vp, cp, ctypes.POINTER(cp), ctypes.c_size_t, err]),
        "sm_server_add_fault": (ctypes.c_int, [vp, cp, err]),
        "sm_server_load_scenario": (ctypes.c_int, [vp, cp, ctypes.c_size_t, cp, err]),
        "sm_server_add_rule": (ctypes.c_int, [vp, cp, err]),
        "sm_server_list_rules": (vp, [vp]),
        "sm_server_scenario_report": (vp, [vp]),
        "sm_server_preload": (ctypes.c_int, [vp, cp, cp, ctypes.c_char_p, ctypes.c_size_t, err]),
        "sm_server_load_profile": (ctypes.c_int, [vp, cp, ctypes.c_size_t, err]),
        "sm_server_clear_rules": (None, [vp]),
        "sm_server_reset": (None, [vp]),
        "sm_server_journal_json": (vp, [vp]),
        "sm_server_stages_json": (vp, [vp]),
        "sm_server_journal_count": (ctypes.c_size_t, [vp]),
        "sm_server_verify": (ctypes.c_int, [vp, cp, ctypes.POINTER(vp), err]),
        "sm_free": (None, [vp]),
        "sm_rule_id": (cp, [ctypes.c_int]),
    }
    for name, (res, args) in sigs.items():
        fn = getattr(lib, name)
        fn.restype, fn.argtypes = res, args
    return lib


class Server:
    """A mock stage server on a free loopback port, for one `with` block.

    stages: stage names to create; keys: {key: None (sees every stage) or a
    list of stages}. The first key is `key`; `url` is set once started.
    tls=True serves HTTPS with a generated CA and certificate for localhost,
    127.0.0.1 and ::1; `ca` is then the CA file's path (give it to the client:
    requests' verify=, STAGE_API_CA, SSL_CERT_FILE), removed at stop.
    tls_cert and tls_key (PEM paths, both or neither) serve that pair instead
    (`ca` stays None: the CA is yours)."""

    def __init__(self, stages=("s1",), keys=None, lib=None, tls=False, tls_cert=None,
                 tls_key=None):
        self._lib = lib or load_library()
        self.stages = list(stages)
        self.keys = dict(keys) if keys is not None else {"k1": None}
        self.key = next(iter(self.keys), None)
        self.url = None
        self.ca = None
        self._tls = (bool(tls or tls_cert or tls_key), tls_cert, tls_key)
        self._srv = ctypes.c_void_p()

    @property
    def stage(self):
        """The first stage's name (None with no stage)."""
        return self.stages[0] if self.stages else None

    def _check(self, rc, e):
        if rc != 0:
            rule = self._lib.sm_rule_id(e.rule)  # NULL (None) for SM_RULE_NONE
            raise StagemockError(e.message.decode("utf-8", "replace"),
                                 rule.decode() if rule else None, e.http_status)

    def start(self):
        cfg = ctypes.create_string_buffer(1024)
        self._lib.sm_server_config_init(cfg)
        e = _Error()
        self._check(self._lib.sm_server_new(cfg, ctypes.byref(self._srv), ctypes.byref(e)), e)
        try:
            use, cert, key = self._tls
            if use:
                self._check(self._lib.sm_server_use_tls(
                    self._srv, cert.encode() if cert else None, key.encode() if key else None,
                    ctypes.byref(e)), e)
                ca = self._lib.sm_server_tls_ca(self._srv)
                self.ca = ca.decode() if ca else None
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
            self.ca = None

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
        """{"seed":…, "entries":[…]}: one entry per completed request, in request
        order (seq); end_us is when each completed."""
        return self._json(self._lib.sm_server_journal_json)

    def journal_count(self):
        """Requests journaled so far, counting those the journal's ring has dropped."""
        return self._lib.sm_server_journal_count(self._srv)

    def verify(self, expectation):
        """Check the journal against an expectation (docs/VERIFY.md), e.g.
        "in order { upload file=a.parquet; list }". Returns None when it holds;
        raises AssertionError whose message is the diff (expected and actual
        requests side by side, the first divergence marked) when it does not,
        and StagemockError (rule "error-json") when it does not parse."""
        __tracebackhide__ = True  # pytest: report the caller's line, not this one
        text = expectation.encode("utf-8")
        diff = ctypes.c_void_p()
        e = _Error()
        rc = self._lib.sm_server_verify(self._srv, text, ctypes.byref(diff), ctypes.byref(e))
        if diff:
            try:
                message = ctypes.string_at(diff).decode("utf-8", "replace")
            finally:
                self._lib.sm_free(diff)
        if rc == _SM_E_MISMATCH and diff:
            raise AssertionError(message)
        self._check(rc, e)

    def requests(self, path=None):
        """The journal's entries, only those for `path` ("/upload-to-stage") if given."""
        return [e for e in self.journal()["entries"] if path is None or e.get("path") == path]

    def add_stage(self, name):
        """Create one more stage (also while running)."""
        e = _Error()
        self._check(self._lib.sm_server_add_stage(self._srv, name.encode(), ctypes.byref(e)), e)
        self.stages.append(name)

    def assert_files(self, stage, names):
        """AssertionError unless the stage holds exactly `names`, in this order."""
        have = [f["name"] for f in self.files(stage)]
        if have != list(names):
            raise AssertionError("stage %r holds %r, expected %r" % (stage, have, list(names)))

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

    def rule(self, rule):
        """Append one scenario rule: a dict or JSON text {"match": …, "action": …}."""
        text = (rule if isinstance(rule, str) else json.dumps(rule)).encode()
        e = _Error()
        self._check(self._lib.sm_server_add_rule(self._srv, text, ctypes.byref(e)), e)

    def rules(self):
        """The scenario's rules as a list of dicts (loadable again)."""
        return self._json(self._lib.sm_server_list_rules)

    def scenario_report(self):
        """Which rules matched and fired, and the unused ones; None before any scenario."""
        p = self._lib.sm_server_scenario_report(self._srv)
        if not p:
            return None
        try:
            return json.loads(ctypes.string_at(p).decode("utf-8"))
        finally:
            self._lib.sm_free(p)

    def preload(self, stage, name, data):
        """Put a file into a stage as an accepted upload would (same rules)."""
        e = _Error()
        self._check(self._lib.sm_server_preload(self._srv, stage.encode(), name.encode(), data,
                                                len(data), ctypes.byref(e)), e)

    def profile(self, doc):
        """Override defaults from a profile (a dict or JSON text, docs/PROFILE.md)."""
        text = (doc if isinstance(doc, str) else json.dumps(doc)).encode()
        e = _Error()
        self._check(self._lib.sm_server_load_profile(self._srv, text, len(text), ctypes.byref(e)), e)

    def clear_rules(self):
        self._lib.sm_server_clear_rules(self._srv)

    def reset(self):
        """Forget stored files and the journal; stages and keys stay."""
        self._lib.sm_server_reset(self._srv)
