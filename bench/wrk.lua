-- wrk script for the throughput runs: GET each request target of a file in turn.
-- Arguments (after `--`): the targets file (one path?query=... per line), the thread count, and
-- "unique" or "repeated". Each thread starts at its own offset, so concurrent clients ask for
-- different subjects; "unique" ends every request's query with a comment of its own (a new
-- line, `#`, the thread and a counter), so that no two requests send the same query text.
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
  unique = args[3] == "unique"
  sent = 0
  wrk.headers["Accept"] = "application/sparql-results+json"
end

function request()
  position = position % #targets + 1
  if unique then
    sent = sent + 1
    return wrk.format("GET", targets[position] .. "%0A%23" .. (id or 0) .. "-" .. sent)
  end
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
