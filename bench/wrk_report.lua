-- wrk script: optional header from the environment, optional 304 mix, and a JSON summary line.
local header_name = os.getenv("WRK_HEADER_NAME")
local header_value = os.getenv("WRK_HEADER_VALUE")
local etag = os.getenv("WRK_ETAG")
local etag_share = tonumber(os.getenv("WRK_ETAG_SHARE") or "0")
local counter = 0

request = function()
  local headers = {}
  if header_name then headers[header_name] = header_value end
  counter = counter + 1
  if etag and (counter % 100) < etag_share * 100 then headers["If-None-Match"] = etag end
  return wrk.format("GET", nil, headers)
end

done = function(summary, latency, requests)
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.status + summary.errors.timeout
  io.write(string.format(
    '{"requests": %d, "seconds": %.2f, "rps": %.1f, "p50_ms": %.2f, "p95_ms": %.2f, "p99_ms": %.2f, "errors": %d}\n',
    summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000, errors))
end
