-- wrk script of bench/run: searches of the mixed query set through the web app's search page.
-- BENCH_COOKIE comes from a login made by bench/run; BENCH_QUERIES is bench/queries.tsv.
local cookie = os.getenv("BENCH_COOKIE")
local queries = {}
for line in io.lines(os.getenv("BENCH_QUERIES")) do
  if not line:match("^#") then
    local q = line:match("^[^\t]*\t([^\t]*)")
    if q then
      queries[#queries + 1] = q:gsub("[^%w]", function(c)
        return string.format("%%%02X", string.byte(c))
      end)
    end
  end
end
local n = 0
function request()
  n = n + 1
  local q = queries[(n % #queries) + 1]
  return wrk.format("GET", "/search?q=" .. q, { ["Cookie"] = cookie })
end

function done(summary, latency, requests)
  io.write(string.format("STATUS non2xx=%d\n", summary.errors.status))
  io.write(string.format("LATENCY p50_ms=%.2f p99_ms=%.2f\n",
    latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
