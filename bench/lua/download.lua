-- download.lua - wrk script: POST /download-from-stage for one file.
--   wrk ... -s download.lua URL -- FILE_NAME STAGE KEY
function init(args)
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
  wrk.headers["Authorization"] = "Key " .. (args[3] or "k")
  wrk.body = "stage_id=" .. (args[2] or "s") .. "&file_name=" .. args[1]
  wrk.path = "/download-from-stage"
end
