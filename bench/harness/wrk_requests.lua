-- wrk script: cycles through pre-built requests and prints one JSON summary line.
-- Usage: wrk ... -s wrk_requests.lua http://127.0.0.1:PORT -- requests.tsv
-- Each line of requests.tsv is: path <TAB> User-Agent <TAB> X-Forwarded-For.
-- The requests are formatted once in init(), so request() costs a table lookup.

local requests = {}
local next_index = 0

function init(args)
  for line in io.lines(args[1]) do
    local path, agent, ip = line:match("^([^\t]*)\t([^\t]*)\t([^\t]*)$")
    if path then
      requests[#requests + 1] = wrk.format("GET", path, {
        ["Host"] = wrk.host .. ":" .. wrk.port,
        ["User-Agent"] = agent,
        ["X-Forwarded-For"] = ip,
      })
    end
  end
  next_index = math.random(#requests) - 1
end

function request()
  next_index = next_index % #requests + 1
  return requests[next_index]
end

function done(summary, latency, _)
  io.write(string.format(
    '{"requests": %d, "duration_us": %d, "connect": %d, "read": %d, "write": %d, ' ..
    '"status": %d, "timeout": %d, "p50_us": %d, "p99_us": %d}\n',
    summary.requests, summary.duration, summary.errors.connect, summary.errors.read,
    summary.errors.write, summary.errors.status, summary.errors.timeout,
    latency:percentile(50), latency:percentile(99)))
end
