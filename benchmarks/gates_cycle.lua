-- wrk script: each wrk thread is one gate pair on its own lot (one connection),
-- driving entry -> exit cycles with fresh plates. Tokens follow benchmarks/gates.py.
-- Arguments: lots, run tag, and optionally the entry and exit paths (the floor views).
-- The next call is chosen when an answer arrives (wrk may build a request it
-- never sends), so an exit always follows its own entry.
local next_id = 0
local threads = {}

function setup(thread)
  thread:set("id", next_id)
  table.insert(threads, thread)
  next_id = next_id + 1
end

function init(args)
  lots = tonumber(args[1] or "32")
  lot = (id % lots) + 1
  run = args[2] or "0"
  entry_path = args[3] or "/api/gates/entry"
  exit_path = args[4] or "/api/gates/exit"
  car = 1
  leaving = false
  failures = 0
  entry_headers = {["Authorization"] = "Bearer bench_lot" .. lot .. "_entry",
                   ["Content-Type"] = "application/json"}
  exit_headers = {["Authorization"] = "Bearer bench_lot" .. lot .. "_exit",
                  ["Content-Type"] = "application/json"}
end

function request()
  local body = string.format('{"plate":"W%s%02d%05d"}', run, id, car)
  if leaving then
    return wrk.format("POST", exit_path, exit_headers, body)
  end
  return wrk.format("POST", entry_path, entry_headers, body)
end

function response(status, headers, body)
  if status ~= 200 and status ~= 201 then
    failures = failures + 1
    if failures <= 3 then
      io.write(string.format("GATE_FAILURE %d %s\n", status, body))
    end
  end
  if leaving then
    car = car + 1
  end
  leaving = not leaving
end

function done(summary, latency, requests)
  local failed = 0
  for _, thread in ipairs(threads) do
    failed = failed + thread:get("failures")
  end
  io.write(string.format("GATE_FAILURES %d\n", failed))
end
