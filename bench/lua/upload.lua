-- upload.lua - wrk script: POST /upload-to-stage as multipart with a stage_id
-- field and one file part, a fresh file name on every request (so a stage
-- that enforces unique names accepts every one).
--   wrk ... -s upload.lua URL -- FILE STAGE KEY [unique]
-- With "unique" every request's bytes differ as well: sixteen letters of the
-- file's first run of lowercase text (inside a page of string values, so
-- the file stays valid parquet) become the request's own, which keeps a
-- server from storing equal uploads once.
local n = 0
function setup(thread)
  n = n + 1
  thread:set("tid", n)
end

function init(args)
  local f = assert(io.open(args[1], "rb"))
  data = f:read("*a")
  f:close()
  local boundary = "stagemock-bench-boundary"
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "multipart/form-data; boundary=" .. boundary
  wrk.headers["Authorization"] = "Key " .. (args[3] or "k")
  head = "--" .. boundary .. "\r\nContent-Disposition: form-data; name=\"stage_id\"\r\n\r\n" ..
         (args[2] or "s") .. "\r\n--" .. boundary ..
         "\r\nContent-Disposition: form-data; name=\"file\"; filename=\""
  mid = "\"\r\nContent-Type: application/octet-stream\r\n\r\n"
  tail = "\r\n--" .. boundary .. "--\r\n"
  if args[4] == "unique" then
    at = assert(data:find("%l%l%l%l%l%l%l%l%l%l%l%l%l%l%l%l"), "no run of 16 letters in the file")
  end
  count = 0
  -- a prefix per run, so passes against one server never repeat a name
  math.randomseed(os.time() + tid)
  run = tostring(os.time()) .. "-" .. tostring(math.random(1000000))
end

-- n as sixteen letters a..z, most significant first
local function letters(n)
  local t = {}
  for i = 16, 1, -1 do
    t[i] = string.char(97 + n % 26)
    n = math.floor(n / 26)
  end
  return table.concat(t)
end

function request()
  count = count + 1
  local name = run .. "-t" .. tostring(tid) .. "-" .. tostring(count) .. ".parquet"
  local bytes = data
  if at then
    bytes = data:sub(1, at - 1) .. letters(tid * 1000000000 + count) .. data:sub(at + 16)
  end
  return wrk.format(nil, "/upload-to-stage", nil, head .. name .. mid .. bytes .. tail)
end
