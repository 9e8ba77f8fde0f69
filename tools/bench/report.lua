-- tools/bench/report.lua - wrk script: at the end, one parseable line
--   BENCH requests=N duration_us=N connect=N read=N write=N timeout=N status=N
--         p50_us=N p90_us=N p99_us=N p999_us=N
-- (status = responses that were not 2xx/3xx; connect..timeout = socket errors).
-- It changes nothing in what wrk sends; both guests get the same script.
done = function(summary, latency, requests)
	local e = summary.errors
	io.write(string.format(
		"BENCH requests=%d duration_us=%d connect=%d read=%d write=%d timeout=%d status=%d " ..
		"p50_us=%d p90_us=%d p99_us=%d p999_us=%d\n",
		summary.requests, summary.duration, e.connect, e.read, e.write, e.timeout, e.status,
		latency:percentile(50), latency:percentile(90), latency:percentile(99),
		latency:percentile(99.9)))
end
