-- upload.lua - wrk script: POST /upload-to-stage as multipart with a stage_id
-- field and one file part, a fresh file name on every request (so a stage
-- that enforces unique names accepts every one).
--   wrk ... -s upload.lua URL -- FILE STAGE KEY
local n = 0
function setup(thread)
  n = n + 1
  thread:set("tid", n)
end

function init(args)
  local f = assert(io.open(args[1], "rb"))
  local data = f:read("*a")
  f:close()
  local boundary = "stagemock-bench-boundary"
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "multipart/form-data; boundary=" .. boundary
  wrk.headers["Authorization"] = "Key " .. (args[3] or "k")
  head = "--" .. boundary .. "\r\nContent-Disposition: form-data; name=\"stage_id\"\r\n\r\n" ..
         (args[2] or "s") .. "\r\n--" .. boundary ..
         "\r\nContent-Disposition: form-data; name=\"file\"; filename=\""
  tail = "\"\r\nContent-Type: application/octet-stream\r\n\r\n" .. data ..
         "\r\n--" .. boundary .. "--\r\n"
  count = 0
  -- a prefix per run, so passes against one server never repeat a name
  math.randomseed(os.time() + tid)
  run = tostring(os.time()) .. "-" .. tostring(math.random(1000000))
end

function request()
  count = count + 1
  local body = head .. run .. "-t" .. tostring(tid) .. "-" .. tostring(count) .. ".parquet" .. tail
  return wrk.format(nil, "/upload-to-stage", nil, body)
end
