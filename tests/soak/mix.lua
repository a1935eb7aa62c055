-- wrk script for tests/soak/soak.sh: a weighted mix of reads, conditional and
-- compressed requests, client errors, and a trickle of authenticated writes.
-- Counts answers per status class in every thread; done() prints one
-- "soak-counts" line that soak.sh parses.
--
-- Environment: SOAK_TOKEN (admin bearer token, optional), SOAK_CLAIM (an id).

local threads = {}

function setup(thread)
    thread:set("id", #threads + 1)
    table.insert(threads, thread)
end

local reqs = {}
-- Globals, so that done() can read them from every thread with thread:get().
c2, c3, c4, c5, other = 0, 0, 0, 0, 0

local function add(weight, method, path, headers, body)
    for _ = 1, weight do
        table.insert(reqs, { method, path, headers or {}, body })
    end
end

function init(args)
    local token = os.getenv("SOAK_TOKEN") or ""
    local claim = os.getenv("SOAK_CLAIM") or "none"
    add(6, "GET", "/healthz")
    add(2, "GET", "/readyz")
    add(1, "GET", "/version")
    add(1, "GET", "/metrics")
    add(1, "GET", "/v1")
    add(8, "GET", "/v1/claims?limit=20")
    add(4, "GET", "/v1/claims?limit=50&offset=100")
    add(4, "GET", "/v1/claims?sort=-as_of,value&fields=id,value,as_of&limit=100")
    add(3, "GET", "/v1/claims?metric=foreign_fighters_departed&include=source,metric")
    add(3, "GET", "/v1/claims?q=returnees&kind=statistic,event")
    add(3, "GET", "/v1/claims?limit=200", { ["Accept-Encoding"] = "gzip" })
    add(2, "GET", "/v1/claims?format=csv&limit=100")
    add(2, "GET", "/v1/claims?format=ndjson&limit=100")
    add(2, "GET", "/v1/claims?cursor=azE6MTI&limit=10")
    add(2, "GET", "/v1/claims?limit=20", { ["If-None-Match"] = "*" })
    add(3, "GET", "/v1/claims/" .. claim)
    add(2, "GET", "/v1/claims/" .. claim .. "/revisions")
    add(3, "GET", "/v1/sources")
    add(2, "GET", "/v1/entities?limit=100")
    add(2, "GET", "/v1/events?limit=50")
    add(2, "GET", "/v1/programs")
    add(2, "GET", "/v1/statistics")
    add(2, "GET", "/v1/conflicts")
    add(3, "GET", "/v1/search?q=moussalaha")
    add(1, "GET", "/v1/search?q=%22NEAR(%20*%20AND")
    add(1, "GET", "/nope")
    add(1, "GET", "/v1/claims?limit=0")
    add(1, "GET", "/v1/claims?bogus=1")
    add(1, "GET", "/v1/claims/%2e%2e%2fetc%2fpasswd")
    add(1, "POST", "/v1/claims", { ["Content-Type"] = "application/json" }, "{}")
    add(1, "OPTIONS", "/v1/claims", { ["Origin"] = "https://example.org",
        ["Access-Control-Request-Method"] = "GET" })
    if token ~= "" then
        local auth = "Bearer " .. token
        add(1, "PATCH", "/v1/claims/" .. claim, { ["Authorization"] = auth,
            ["Content-Type"] = "application/merge-patch+json" }, '{"note":"soak a"}')
        add(1, "PATCH", "/v1/claims/" .. claim, { ["Authorization"] = auth,
            ["Content-Type"] = "application/merge-patch+json" }, '{"note":null}')
        add(1, "POST", "/v1/programs", { ["Authorization"] = auth,
            ["Content-Type"] = "application/json" }, '{"id":"x","kind":"nope"}')
    end
    for i, r in ipairs(reqs) do
        reqs[i] = wrk.format(r[1], r[2], r[3], r[4])
    end
end

local next_req = 0
function request()
    next_req = next_req % #reqs + 1
    return reqs[next_req]
end

function response(status, headers, body)
    if status >= 500 then c5 = c5 + 1
    elseif status >= 400 then c4 = c4 + 1
    elseif status >= 300 then c3 = c3 + 1
    elseif status >= 200 then c2 = c2 + 1
    else other = other + 1 end
end

function done(summary, latency, requests)
    local t2, t3, t4, t5, to = 0, 0, 0, 0, 0
    for _, thread in ipairs(threads) do
        t2 = t2 + (thread:get("c2") or 0)
        t3 = t3 + (thread:get("c3") or 0)
        t4 = t4 + (thread:get("c4") or 0)
        t5 = t5 + (thread:get("c5") or 0)
        to = to + (thread:get("other") or 0)
    end
    local e = summary.errors
    io.write(string.format(
        "soak-counts requests=%d 2xx=%d 3xx=%d 4xx=%d 5xx=%d other=%d " ..
        "connect=%d read=%d write=%d timeout=%d status=%d p50_ms=%.2f p99_ms=%.2f max_ms=%.2f\n",
        summary.requests, t2, t3, t4, t5, to, e.connect, e.read, e.write, e.timeout, e.status,
        latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000))
end
