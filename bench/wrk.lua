-- wrk script for the throughput runs: GET each request target of a file in turn.
-- Arguments (after `--`): the targets file (one path?query=... per line) and the thread count.
-- Each thread starts at its own offset, so concurrent clients ask for different subjects.
-- `done` prints one JSON line with the counts the harness reads.

local threads = {}

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

function init(args)
  targets = {}
  for line in io.lines(args[1]) do
    targets[#targets + 1] = line
  end
  local share = math.floor(#targets / math.max(1, tonumber(args[2])))
  position = (id or 0) * share
  wrk.headers["Accept"] = "application/sparql-results+json"
end

function request()
  position = position % #targets + 1
  return wrk.format("GET", targets[position])
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"requests": %d, "duration_us": %d, "connect": %d, "read": %d, "write": %d, ' ..
    '"status": %d, "timeout": %d, "p50_us": %d, "p99_us": %d}\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(99)))
end
