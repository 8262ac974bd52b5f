#!/usr/bin/python3
"""stagectl.py - a stage API client in Python 3 with requests, speaking the
adapter protocol (docs/ADAPTER.md). It is the vendor page's example grown into
a client a user can copy.

    stagectl.py upload --stage S FILE...
    stagectl.py download --stage S --name N [--out PATH]
    stagectl.py list --stage S

Environment: STAGE_API_URL, STAGE_API_KEY, STAGE_API_TIMEOUT (seconds: the
connect timeout and the longest wait for the next byte), STAGE_API_CA (https:
a PEM file of the CA to trust; else requests' own, or REQUESTS_CA_BUNDLE's).
Output: one JSON
line per file. Exit: 0 ok, 1 rejected, 2 usage, 3 transport/timeout,
4 local file error (the largest wins).

What makes it correct (RULES.md, "What a conforming client does"):
- the key on every request, as `Authorization: Key ...`;
- one multipart request per file, in the order given, one after another;
- names go in the part's filename as requests/urllib3 write it (HTML5: `"`
  as %22, UTF-8 as is), bytes are sent and written unmodified;
- any non-2xx, or a 2xx without a file_id, is a failure carrying the
  server's message (or a description of a non-JSON body);
- 429/503 are retried at most 3 times, waiting Retry-After (capped);
- when an upload's answer is lost, the stage listing is checked first, so a
  committed file is reported, not uploaded again;
- downloads stream into PATH.part, renamed only after a complete 200; a
  text answer is base64 of the file and is decoded as it streams.
Limit: requests builds a multipart body in memory, so uploads are held whole;
for files larger than memory use stagectl (C) or requests_toolbelt.
"""
import base64
import binascii
import json
import os
import sys
import time

import requests

MAX_RETRIES = 3
MAX_WAIT = 5.0


class Failure(Exception):
    def __init__(self, status, message, code, rule=None):
        super().__init__(message)
        self.status, self.message, self.code, self.rule = status, message, code, rule


class Client:
    def __init__(self, url, key, timeout):
        self.url = url.rstrip("/")
        self.timeout = timeout
        self.http = requests.Session()
        self.http.headers["Authorization"] = "Key " + key
        self.http.headers["User-Agent"] = "stagectl.py/1.0"
        # per request: a Session's verify loses to REQUESTS_CA_BUNDLE, this does not
        self.verify = os.environ.get("STAGE_API_CA") or True

    def post(self, path, **kw):
        """POST with bounded retries on 429/503; transport errors propagate."""
        for attempt in range(MAX_RETRIES + 1):
            r = self.http.post(self.url + path, timeout=(self.timeout, self.timeout),
                               verify=self.verify, **kw)
            if r.status_code not in (429, 503) or attempt == MAX_RETRIES:
                return r
            r.close()
            time.sleep(retry_wait(r.headers.get("Retry-After"), attempt))
        raise AssertionError("unreachable")

    def upload(self, stage, path):
        name = os.path.basename(path)
        with open(path, "rb") as f:
            data = f.read()  # requests would read it whole anyway, once per attempt
        size = len(data)
        for attempt in range(MAX_RETRIES + 1):
            try:
                r = self.post("/upload-to-stage", data={"stage_id": stage},
                              files={"file": (name, data, "application/octet-stream")})
            except requests.Timeout as e:
                raise Failure(0, "timed out: %s" % e, 3) from e
            except requests.ConnectionError as e:
                # Lost answer: the server may have stored the file. Look first.
                found = self.find(stage, name, size)
                if found is not None:
                    return found
                if attempt == MAX_RETRIES:
                    raise Failure(0, "no answer from the server: %s" % e, 3) from e
                time.sleep(0.2 * 2 ** attempt)
                continue
            check(r)
            try:
                fid = r.json().get("file_id")
            except (ValueError, AttributeError):
                fid = None
            if not isinstance(fid, str) or not fid:
                raise Failure(r.status_code, "answer has no file_id: %r" % r.text[:80], 1)
            return fid
        raise AssertionError("unreachable")

    def find(self, stage, name, size):
        """The id of stage's file name of this size, or None (also when the
        list itself fails: then the caller gives up rather than risk a twin)."""
        try:
            files = self.list(stage)
        except (Failure, requests.RequestException) as e:
            raise Failure(0, "answer lost and the stage could not be checked: %s" % e, 3) from e
        for f in files:
            if f.get("name") == name and f.get("size") == size:
                return f.get("file_id")
        return None

    def list(self, stage):
        r = self.post("/list-stage-files", data={"stage_id": stage})
        check(r)
        return [{"name": f.get("name"), "file_id": f.get("file_id"), "size": f.get("size")}
                for f in r.json().get("files", [])]

    def download(self, stage, name, out):
        part = out + ".part"
        try:
            with self.post("/download-from-stage", data={"stage_id": stage, "file_name": name},
                           stream=True) as r:
                check(r)
                # a text answer is base64 of the file (RULES.md download_encoding)
                b64 = r.headers.get("Content-Type", "").lower().startswith("text/")
                n = size = 0
                carry = b""
                with open(part, "wb") as f:
                    for chunk in r.iter_content(65536):
                        n += len(chunk)
                        if b64:
                            data = carry + chunk.translate(None, b" \t\r\n")
                            cut = len(data) - len(data) % 4
                            carry, chunk = data[cut:], unbase64(data[:cut], r.status_code)
                        f.write(chunk)
                        size += len(chunk)
                    if carry:
                        tail = unbase64(carry + b"=" * (-len(carry) % 4), r.status_code)
                        f.write(tail)
                        size += len(tail)
                    f.flush()
                    os.fsync(f.fileno())
                want = r.headers.get("Content-Length")
                if want is not None and int(want) != n:
                    raise Failure(r.status_code, "declared %s bytes, %d arrived" % (want, n), 3)
            os.replace(part, out)
            return size
        except BaseException:
            if os.path.exists(part):
                os.unlink(part)
            raise


def unbase64(data, status):
    try:
        return base64.b64decode(data, validate=True)
    except binascii.Error as e:
        raise Failure(status, "download answered text that is not base64: %s" % e, 1) from e


def retry_wait(value, attempt):
    try:
        return min(max(float(value), 0.0), MAX_WAIT)
    except (TypeError, ValueError):
        return min(0.2 * 2 ** attempt, MAX_WAIT)


def check(r):
    """Raise Failure for anything but a 2xx, with the server's message."""
    if 200 <= r.status_code < 300:
        return
    try:
        msg = r.json().get("message")
    except (ValueError, AttributeError):
        msg = None
    if not isinstance(msg, str) or not msg:
        msg = "HTTP %d with a body that is not a JSON error: %s" % (
            r.status_code, r.text[:160].replace("\n", " ") or "(empty)")
    raise Failure(r.status_code, msg, 1, r.headers.get("X-Stagemock-Rule"))


def emit(obj):
    sys.stdout.write(json.dumps(obj, ensure_ascii=False) + "\n")
    sys.stdout.flush()


def fail_line(key, what, e):
    emit({key: what, "ok": False, "status": e.status, "message": e.message, "rule": e.rule})
    return e.code


def transport(e):
    return Failure(0, "%s: %s" % ("timed out" if isinstance(e, requests.Timeout)
                                  else "transport error", e), 3)


def parse(argv):
    opts, rest = {}, []
    i = 0
    while i < len(argv):
        a = argv[i]
        if a in ("--stage", "--name", "--out"):
            if i + 1 >= len(argv):
                raise SystemExit(usage("%s needs a value" % a))
            opts[a[2:]] = argv[i + 1]
            i += 2
        else:
            rest.append(a)
            i += 1
    return opts, rest


def usage(msg):
    sys.stderr.write("stagectl.py: %s\nusage: stagectl.py upload|download|list --stage S ...\n"
                     % msg)
    return 2


def main(argv):
    if not argv:
        return usage("no command")
    verb, (opts, rest) = argv[0], parse(argv[1:])
    url = os.environ.get("STAGE_API_URL")
    if not url or "stage" not in opts or verb not in ("upload", "download", "list"):
        return usage("need STAGE_API_URL, a command and --stage")
    c = Client(url, os.environ.get("STAGE_API_KEY", ""),
               float(os.environ.get("STAGE_API_TIMEOUT") or 30))
    stage = opts["stage"]
    if verb == "upload":
        worst = 0
        for path in rest:
            name = os.path.basename(path)
            try:
                emit({"file": name, "ok": True, "file_id": c.upload(stage, path)})
            except Failure as e:
                worst = max(worst, fail_line("file", name, e))
            except requests.RequestException as e:
                worst = max(worst, fail_line("file", name, transport(e)))
            except OSError as e:
                worst = max(worst, fail_line("file", name, Failure(0, str(e), 4)))
        return worst
    if verb == "download":
        name = opts.get("name")
        if name is None:
            return usage("download needs --name")
        try:
            size = c.download(stage, name, opts.get("out", name))
            emit({"file": name, "ok": True, "size": size})
            return 0
        except Failure as e:
            return fail_line("file", name, e)
        except requests.RequestException as e:
            return fail_line("file", name, transport(e))
        except OSError as e:
            return fail_line("file", name, Failure(0, str(e), 4))
    try:
        for f in c.list(stage):
            emit(f)
        return 0
    except Failure as e:
        return fail_line("stage", stage, e)
    except requests.RequestException as e:
        return fail_line("stage", stage, transport(e))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
