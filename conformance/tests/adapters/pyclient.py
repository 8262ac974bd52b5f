#!/usr/bin/python3
"""pyclient.py - a small stage API client that speaks the adapter protocol
(docs/ADAPTER.md), used to test the conformance runner itself.

    pyclient.py upload --stage S FILE...
    pyclient.py download --stage S --name N --out P
    pyclient.py list --stage S

STAGE_API_URL, STAGE_API_KEY and STAGE_API_TIMEOUT come from the environment;
one JSON line per file goes to stdout. Standard library only.

With CONF_DEFECT set (comma-separated), it is broken in exactly those ways,
each mirroring a broken client of issue 7, so the runner's tests can show
that every defect fails the case of the rule it breaks:
  parallel         uploads all files at once (order, no overlap)
  two-in-one       puts every file into one request (one-file-per-request)
  no-key           sends no Authorization header (auth)
  ignore-status    reports success for any answer (error-json)
  error-body       writes an error answer as the downloaded file (error-json)
  mangle           text-mode newline translation of the bytes (bytes)
  no-encode        sends file names raw, latin-1, quotes unescaped (client-names)
  blind-retry      re-uploads after a lost answer without looking (lost-response)
  no-timeout       ignores STAGE_API_TIMEOUT and waits forever (timeout)
  unbounded-retry  follows Retry-After forever (retry-after)
  percent-names    URL-encodes file names (client-names)
"""
import http.client
import json
import os
import socket
import sys
import threading
import time
import urllib.parse
import uuid

DEFECTS = set(filter(None, os.environ.get("CONF_DEFECT", "").split(",")))
URL = urllib.parse.urlsplit(os.environ.get("STAGE_API_URL", "http://127.0.0.1:8080"))
KEY = os.environ.get("STAGE_API_KEY", "")
TIMEOUT = None if "no-timeout" in DEFECTS else float(os.environ.get("STAGE_API_TIMEOUT", "30"))
MAX_RETRIES = 3


class Lost(Exception):
    """The connection failed before an answer arrived."""


def emit(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def request(path, body, ctype):
    conn = http.client.HTTPConnection(URL.hostname, URL.port, timeout=TIMEOUT)
    headers = {"Content-Type": ctype}
    if "no-key" not in DEFECTS:
        headers["Authorization"] = "Key " + KEY
    try:
        conn.request("POST", path, body=body, headers=headers)
        resp = conn.getresponse()
        data = resp.read()
        return resp.status, dict((k.lower(), v) for k, v in resp.getheaders()), data
    except socket.timeout as e:
        raise TimeoutError("timed out after %ss" % TIMEOUT) from e
    except (ConnectionError, http.client.HTTPException, OSError) as e:
        raise Lost(str(e) or type(e).__name__) from e
    finally:
        conn.close()


def message_of(status, data):
    try:
        m = json.loads(data).get("message")
        if isinstance(m, str) and m:
            return m
    except (ValueError, AttributeError):
        pass
    text = data[:80].decode("utf-8", "replace").strip()
    return "HTTP %d: %s" % (status, text or "(empty body)")


def encode_name(name):
    if "no-encode" in DEFECTS:
        return name.encode("latin-1", "replace")
    if "percent-names" in DEFECTS:
        return urllib.parse.quote(name).encode()
    return (name.replace('"', "%22").replace("\r", "%0D").replace("\n", "%0A")).encode("utf-8")


def multipart(stage, files):
    boundary = "----pyclient" + uuid.uuid4().hex
    out = [b"--" + boundary.encode() + b"\r\n",
           b'Content-Disposition: form-data; name="stage_id"\r\n\r\n',
           stage.encode() + b"\r\n"]
    for name, data in files:
        out += [b"--" + boundary.encode() + b"\r\n",
                b'Content-Disposition: form-data; name="file"; filename="' + encode_name(name) +
                b'"\r\n', b"Content-Type: application/octet-stream\r\n\r\n", data, b"\r\n"]
    out.append(b"--" + boundary.encode() + b"--\r\n")
    return b"".join(out), "multipart/form-data; boundary=" + boundary


def read_file(path):
    with open(path, "rb") as f:
        data = f.read()
    if "mangle" in DEFECTS:
        data = data.replace(b"\r\n", b"\n")
    return data


def list_names(stage):
    status, _, data = request("/list-stage-files", urllib.parse.urlencode({"stage_id": stage}),
                              "application/x-www-form-urlencoded")
    if status != 200:
        return None
    return {f.get("name"): f.get("file_id") for f in json.loads(data).get("files", [])}


def upload_one(stage, path):
    name = os.path.basename(path)
    body, ctype = multipart(stage, [(name, read_file(path))])
    retries = 0
    while True:
        try:
            status, headers, data = request("/upload-to-stage", body, ctype)
        except TimeoutError as e:
            return {"file": name, "ok": False, "status": 0, "message": str(e)}
        except Lost as e:
            if "blind-retry" not in DEFECTS:
                try:
                    seen = list_names(stage)
                except (Lost, TimeoutError, ValueError):
                    seen = None
                if seen and name in seen:
                    return {"file": name, "ok": True, "file_id": seen[name]}
            retries += 1
            if retries > MAX_RETRIES:
                return {"file": name, "ok": False, "status": 0, "message": "connection: %s" % e}
            time.sleep(0.1 * retries)
            continue
        if status in (429, 503) and "retry-after" in headers and \
                (retries < MAX_RETRIES or "unbounded-retry" in DEFECTS):
            retries += 1
            try:
                wait = min(float(headers["retry-after"]), 5.0)
            except ValueError:
                wait = 1.0
            time.sleep(wait)
            continue
        if 200 <= status < 300 or "ignore-status" in DEFECTS:
            try:
                fid = json.loads(data).get("file_id")
            except (ValueError, AttributeError):
                fid = None
            if fid is None and "ignore-status" in DEFECTS:
                fid = "unknown"
            if not isinstance(fid, str) or not fid:
                return {"file": name, "ok": False, "status": status,
                        "message": "answer without a file_id: %r" % data[:60]}
            return {"file": name, "ok": True, "file_id": fid}
        return {"file": name, "ok": False, "status": status, "message": message_of(status, data)}


def cmd_upload(stage, paths):
    if "two-in-one" in DEFECTS:
        body, ctype = multipart(stage, [(os.path.basename(p), read_file(p)) for p in paths])
        status, _, data = request("/upload-to-stage", body, ctype)
        res = [{"file": os.path.basename(p), "ok": status == 200,
                "status": status, "message": message_of(status, data)} for p in paths]
    elif "parallel" in DEFECTS:
        res = [None] * len(paths)

        def work(i):
            res[i] = upload_one(stage, paths[i])
        threads = [threading.Thread(target=work, args=(i,)) for i in range(len(paths))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    else:
        res = [upload_one(stage, p) for p in paths]
    for r in res:
        emit(r)
    return 0 if all(r["ok"] for r in res) else 1


def cmd_download(stage, name, out):
    part = out + ".part"
    try:
        status, headers, data = request("/download-from-stage",
                                        urllib.parse.urlencode({"stage_id": stage,
                                                                "file_name": name}),
                                        "application/x-www-form-urlencoded")
    except (Lost, TimeoutError) as e:
        emit({"file": name, "ok": False, "status": 0, "message": str(e)})
        return 3
    if status != 200 and "error-body" not in DEFECTS:
        emit({"file": name, "ok": False, "status": status, "message": message_of(status, data)})
        return 1
    if "mangle" in DEFECTS:
        data = data.replace(b"\r\n", b"\n")
    with open(part, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.rename(part, out)
    emit({"file": name, "ok": True, "size": len(data)})
    return 0


def cmd_list(stage):
    status, _, data = request("/list-stage-files", urllib.parse.urlencode({"stage_id": stage}),
                              "application/x-www-form-urlencoded")
    if status != 200:
        emit({"ok": False, "status": status, "message": message_of(status, data)})
        return 1
    for f in json.loads(data).get("files", []):
        emit({"ok": True, "name": f.get("name"), "file_id": f.get("file_id"),
              "size": f.get("size")})
    return 0


def main(argv):
    if len(argv) < 2:
        sys.stderr.write(__doc__)
        return 2
    cmd, args, opts, rest = argv[1], argv[2:], {}, []
    i = 0
    while i < len(args):
        if args[i] in ("--stage", "--name", "--out") and i + 1 < len(args):
            opts[args[i][2:]] = args[i + 1]
            i += 2
        else:
            rest.append(args[i])
            i += 1
    try:
        if cmd == "upload" and "stage" in opts and rest:
            return cmd_upload(opts["stage"], rest)
        if cmd == "download" and {"stage", "name", "out"} <= opts.keys():
            return cmd_download(opts["stage"], opts["name"], opts["out"])
        if cmd == "list" and "stage" in opts:
            return cmd_list(opts["stage"])
    except (Lost, TimeoutError) as e:
        emit({"ok": False, "status": 0, "message": str(e)})
        return 3
    sys.stderr.write("usage: pyclient.py upload|download|list --stage S ...\n")
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
