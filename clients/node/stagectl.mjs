#!/usr/bin/env node
// stagectl.mjs - a stage API client for Node 20 with the built-in fetch,
// FormData and fs.openAsBlob (no npm packages), speaking the adapter protocol
// (docs/ADAPTER.md).
//
//   node stagectl.mjs upload --stage S FILE...
//   node stagectl.mjs download --stage S --name N [--out PATH]
//   node stagectl.mjs list --stage S
//
// Environment: STAGE_API_URL, STAGE_API_KEY, STAGE_API_TIMEOUT (seconds: the
// longest wait for the next byte), STAGE_API_CA (https: a PEM file of the CA
// to trust, besides Node's own and NODE_EXTRA_CA_CERTS's). Output: one JSON line per file. Exit: 0 ok,
// 1 rejected, 2 usage, 3 transport/timeout, 4 local file error (largest wins).
//
// Why it is correct: the key on every request; one upload at a time in the
// order given (await in a for loop, never Promise.all); the file part is a
// Blob backed by the file (openAsBlob), so it streams from disk, and undici
// escapes `"`, CR and LF in its filename the HTML5 way; every non-2xx is a
// failure with the server's message; 429/503 retried at most 3 times after
// Retry-After (capped); a lost upload answer is checked against the listing
// before any retry; downloads stream into PATH.part, renamed after a complete
// 200 (a text answer is base64 of the file and is decoded). The stall timer restarts on every received chunk, so a slow but moving
// download is not cut off; fetch reports no upload progress, so an upload
// must be sent whole within STAGE_API_TIMEOUT.
import { openAsBlob, createWriteStream, promises as fsp } from "node:fs";
import { basename } from "node:path";
import { spawnSync } from "node:child_process";

// fetch trusts only the CAs Node loaded at start (NODE_EXTRA_CA_CERTS is read
// then, and fetch takes no `ca`), so with STAGE_API_CA this runs itself again
// with NODE_EXTRA_CA_CERTS naming it; `stagemock conform --tls` sets both, so
// there it runs once.
const ca = process.env.STAGE_API_CA;
if (ca && process.env.NODE_EXTRA_CA_CERTS !== ca) {
  const r = spawnSync(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
    stdio: "inherit",
    env: { ...process.env, NODE_EXTRA_CA_CERTS: ca },
  });
  process.exit(r.status ?? 3);
}

const MAX_RETRIES = 3;
const MAX_WAIT_MS = 5000;
const url = (process.env.STAGE_API_URL || "").replace(/\/+$/, "");
const key = process.env.STAGE_API_KEY || "";
const timeoutMs = 1000 * Number(process.env.STAGE_API_TIMEOUT || 30);

class Failure extends Error {
  constructor(status, message, code, rule = null) {
    super(message);
    Object.assign(this, { status, code, rule });
  }
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const emit = (o) => process.stdout.write(JSON.stringify(o) + "\n");

// A stall watchdog: aborts the request when poke() is not called for timeoutMs.
function watchdog() {
  const ac = new AbortController();
  let t;
  const poke = () => {
    clearTimeout(t);
    t = setTimeout(() => ac.abort(new Failure(0, `timed out: nothing for ${timeoutMs} ms`, 3)), timeoutMs);
  };
  poke();
  return { signal: ac.signal, poke, stop: () => clearTimeout(t) };
}

// POST with retries on 429/503. Resolves to { res, dog } (the caller stops
// the dog once it has read the body); a network error rejects.
async function post(path, body) {
  for (let attempt = 0; ; attempt++) {
    const dog = watchdog();
    let res;
    try {
      res = await fetch(url + path, {
        method: "POST",
        headers: { Authorization: `Key ${key}`, "User-Agent": "stagectl.mjs/1.0" },
        body: typeof body === "function" ? await body() : body,
        signal: dog.signal,
      });
    } catch (e) {
      dog.stop();
      if (dog.signal.aborted) throw dog.signal.reason;
      throw new Failure(0, `no answer from the server: ${e.cause?.code || e.message}`, 3);
    }
    if ((res.status !== 429 && res.status !== 503) || attempt === MAX_RETRIES) {
      return { res, dog };
    }
    await res.arrayBuffer().catch(() => {});
    dog.stop();
    const ra = Number(res.headers.get("retry-after"));
    await sleep(Math.min(Number.isFinite(ra) && ra >= 0 ? ra * 1000 : 200 * 2 ** attempt, MAX_WAIT_MS));
  }
}

async function text(res, dog) {
  try {
    return await res.text();
  } catch (e) {
    if (dog.signal.aborted) throw dog.signal.reason;
    throw new Failure(0, `answer cut off: ${e.cause?.code || e.message}`, 3);
  } finally {
    dog.stop();
  }
}

// The answer's body, and its JSON member `key` when that is a non-empty
// string (else undefined: not JSON, not an object, or no such string).
async function member(res, dog, key) {
  const body = await text(res, dog);
  let value;
  try {
    value = JSON.parse(body)[key];
  } catch {}
  return { body, value: typeof value === "string" && value !== "" ? value : undefined };
}

async function check(res, dog) {
  if (res.ok) return;
  const { body, value } = await member(res, dog, "message");
  const msg = value ?? `HTTP ${res.status} with a body that is not a JSON error: ${body.slice(0, 160) || "(empty)"}`;
  throw new Failure(res.status, msg, 1, res.headers.get("x-stagemock-rule"));
}

async function list(stage) {
  const { res, dog } = await post("/list-stage-files", new URLSearchParams({ stage_id: stage }));
  await check(res, dog);
  const doc = JSON.parse(await text(res, dog));
  return (doc.files || []).map((f) => ({ name: f.name, file_id: f.file_id, size: f.size }));
}

async function upload(stage, path) {
  const name = basename(path);
  const { size } = await fsp.stat(path);
  const form = async () => {
    const fd = new FormData();
    fd.append("stage_id", stage);
    fd.append("file", await openAsBlob(path, { type: "application/octet-stream" }), name);
    return fd;
  };
  for (let attempt = 0; ; attempt++) {
    let res, dog;
    try {
      ({ res, dog } = await post("/upload-to-stage", form));
    } catch (e) {
      if (!(e instanceof Failure) || !e.message.startsWith("no answer")) throw e;
      // The answer was lost: the file may be stored. Look before trying again.
      let files;
      try {
        files = await list(stage);
      } catch (le) {
        throw new Failure(0, `${e.message}; and the stage could not be checked: ${le.message}`, 3);
      }
      const found = files.find((f) => f.name === name && f.size === size);
      if (found) return found.file_id;
      if (attempt === MAX_RETRIES) throw e;
      await sleep(200 * 2 ** attempt);
      continue;
    }
    await check(res, dog);
    const { body, value: id } = await member(res, dog, "file_id");
    if (id === undefined) {
      throw new Failure(res.status, `answer has no file_id: ${body.slice(0, 80)}`, 1);
    }
    return id;
  }
}

async function download(stage, name, out) {
  const part = out + ".part";
  const { res, dog } = await post("/download-from-stage", new URLSearchParams({ stage_id: stage, file_name: name }));
  await check(res, dog);
  // A text answer is base64 of the file (RULES.md download_encoding).
  const b64 = (res.headers.get("content-type") || "").toLowerCase().startsWith("text/");
  let n = 0;
  let size = 0;
  let carry = "";
  const unbase64 = (s) => {
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(s)) throw new Failure(res.status, "download answered text that is not base64", 1);
    return Buffer.from(s, "base64");
  };
  const fh = await fsp.open(part, "w");
  try {
    const ws = createWriteStream(null, { fd: fh.fd, autoClose: false });
    const put = async (buf) => {
      size += buf.length;
      if (!ws.write(buf)) await new Promise((r) => ws.once("drain", r));
    };
    try {
      for await (const chunk of res.body) {
        dog.poke();
        n += chunk.length;
        if (!b64) {
          await put(chunk);
          continue;
        }
        const text = carry + Buffer.from(chunk).toString("latin1").replace(/[ \t\r\n]/g, "");
        const cut = text.length - (text.length % 4);
        carry = text.slice(cut);
        await put(unbase64(text.slice(0, cut)));
      }
      if (carry) await put(unbase64(carry + "=".repeat((4 - (carry.length % 4)) % 4)));
    } catch (e) {
      if (dog.signal.aborted) throw dog.signal.reason;
      if (e instanceof Failure) throw e;
      throw new Failure(0, `answer cut off: ${e.cause?.code || e.message}`, 3);
    } finally {
      dog.stop();
      await new Promise((r) => ws.end(r));
    }
    const want = res.headers.get("content-length");
    if (want !== null && Number(want) !== n) throw new Failure(0, `declared ${want} bytes, ${n} arrived`, 3);
    await fh.sync();
    await fh.close();
    await fsp.rename(part, out);
    return size;
  } catch (e) {
    await fh.close().catch(() => {});
    await fsp.unlink(part).catch(() => {});
    throw e;
  }
}

function failLine(keyName, what, e) {
  const f = e instanceof Failure ? e : new Failure(0, String(e.message || e), 4);
  emit({ [keyName]: what, ok: false, status: f.status, message: f.message, rule: f.rule });
  return f.code;
}

function usage(msg) {
  process.stderr.write(`stagectl.mjs: ${msg}\nusage: stagectl.mjs upload|download|list --stage S ...\n`);
  return 2;
}

async function main(argv) {
  const [verb, ...args] = argv;
  const opts = {};
  const rest = [];
  for (let i = 0; i < args.length; i++) {
    if (["--stage", "--name", "--out"].includes(args[i])) {
      if (i + 1 >= args.length) return usage(`${args[i]} needs a value`);
      opts[args[i].slice(2)] = args[++i];
    } else rest.push(args[i]);
  }
  if (!url || !opts.stage || !["upload", "download", "list"].includes(verb)) {
    return usage("need STAGE_API_URL, a command and --stage");
  }
  if (verb === "upload") {
    let worst = 0;
    for (const path of rest) {
      const name = basename(path);
      try {
        emit({ file: name, ok: true, file_id: await upload(opts.stage, path) });
      } catch (e) {
        worst = Math.max(worst, failLine("file", name, e));
      }
    }
    return worst;
  }
  if (verb === "download") {
    if (!opts.name) return usage("download needs --name");
    try {
      const size = await download(opts.stage, opts.name, opts.out || opts.name);
      emit({ file: opts.name, ok: true, size });
      return 0;
    } catch (e) {
      return failLine("file", opts.name, e);
    }
  }
  try {
    for (const f of await list(opts.stage)) emit(f);
    return 0;
  } catch (e) {
    return failLine("stage", opts.stage, e);
  }
}

process.exitCode = await main(process.argv.slice(2));
