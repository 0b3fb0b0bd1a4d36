-- wrk script: POST /v1/gate/decide (decide only, nothing stored).
-- Usage: FARAMESH_LOAD_TOKEN=... wrk -t2 -c32 -d15s -s scripts/load/decide.lua http://127.0.0.1:PORT
local token = os.getenv("FARAMESH_LOAD_TOKEN")
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
if token and token ~= "" then wrk.headers["Authorization"] = "Bearer " .. token end
wrk.path = "/v1/gate/decide"
wrk.body = '{"agent_id":"load-agent","tool":"http","operation":"get","params":{"url":"https://example.com/a","headers":{"accept":"application/json"},"timeout":5},"context":{"run":"load"}}'

done = function(summary, latency, requests)
  io.write(string.format("RESULT requests=%d duration_s=%.2f rps=%.0f p50_ms=%.3f p99_ms=%.3f errors=%d non2xx=%d\n",
    summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.errors.status))
end
