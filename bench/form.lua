-- wrk script of bench/run: every request saves a new "day of adult social work" form.
-- BENCH_COOKIE and BENCH_CSRF come from a login made by bench/run before the load starts.
local cookie = os.getenv("BENCH_COOKIE")
local csrf = os.getenv("BENCH_CSRF")
local body = "csrf_token=" .. csrf ..
  "&action=save&workshop=rannikko-3&date=2018-03-20&theme=ihanne&text_lang=fi&rows=1&submission=" ..
  "&r1_q1=Vuokra+j%C3%A4i+maksamatta+ja+sain+h%C3%A4%C3%A4t%C3%B6ilmoituksen." ..
  "&r1_q2=Sain+t%C3%A4ydent%C3%A4v%C3%A4%C3%A4+toimeentulotukea+vuokrar%C3%A4stiin." ..
  "&r1_q3=Soitin+vuokranantajalle+ja+ohjasin+asumisneuvojalle."
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Cookie"] = cookie

-- Every request is a new form (the app takes the same answers sent again from one session
-- for a resubmission of the saved form): the last answer ends with a number of its own.
-- thread_id is a global: setup() sets it in each thread's own state (a local here would
-- stay 0 in every thread, and the two threads would send the same answers, which the app
-- takes for one form sent again).
thread_id = 0
local next_id = 1
function setup(thread)
  thread:set("thread_id", next_id)
  next_id = next_id + 1
end
local n = 0
function request()
  n = n + 1
  return wrk.format(nil, nil, nil, body .. "+Kerta+" .. thread_id .. "-" .. n .. ".")
end

local statuses = {}
function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  -- wrk runs response() in each thread's own state; summary.errors.status counts non-2xx/3xx.
  io.write(string.format("STATUS non2xx=%d\n", summary.errors.status))
  io.write(string.format("LATENCY p50_ms=%.1f p99_ms=%.1f\n",
    latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
