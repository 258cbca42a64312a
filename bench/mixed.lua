-- wrk script for the memory run: a mixture of requests that exercises every bounded cache, stopping after N.
-- It prints `bench: done` then; bench/run.py interrupts wrk on that line (wrk itself waits out -d).
--   wrk -s bench/mixed.lua URL -- NOW_EPOCH_SECONDS N [AT,AT,...]
-- Per cycle of 20: distinct one-hour windows (consumption, activity: render, job and asset caches), distinct
-- multi-day windows, repeated queries, other scenarios and every kind of error; every 100th request is the full
-- default body and every 100th + 50 the empty-team one. The thread stops once it has N responses (wrk -d is the
-- time bound). Use with -t1: N counts per thread. With AT,AT,... it also prints `bench: at AT responses` as each of
-- those counts is reached (bench/memory.py reads the server's RSS on these lines).

local now, limit, base
local sent, received, distinct = 0, 0, 0
local authorised, anonymous
local checkpoints = {}

function init(args)
   now = tonumber(args[1]) or os.time()
   limit = tonumber(args[2]) or 100000
   for at in string.gmatch(args[3] or "", "%d+") do
      checkpoints[tonumber(at)] = true
   end
   base = "/v1/usages"
   authorised = {}
   anonymous = {}
   for name, value in pairs(wrk.headers) do
      authorised[name] = value
      if name:lower() ~= "authorization" then
         anonymous[name] = value
      end
   end
end

local function iso(seconds)
   return os.date("!%Y-%m-%dT%H:%M:%SZ", seconds)
end

local function with(headers, extra)
   local copy = {}
   for name, value in pairs(headers) do
      copy[name] = value
   end
   for name, value in pairs(extra) do
      copy[name] = value
   end
   return copy
end

-- A window of `length` seconds that no earlier request used: starts move by minutes, then by seconds.
local function window(length)
   distinct = distinct + 1
   local start = now - 7 * 86400 + (distinct % 9000) * 60 + math.floor(distinct / 9000) % 60
   return "startDate=" .. iso(start) .. "&endDate=" .. iso(start + length)
end

local cycle = {
   function() return base .. "?" .. window(3600) .. "&type=consumption", authorised end,
   function() return base .. "?" .. window(3600) .. "&type=activity", authorised end,
   function() return base .. "?" .. window(3600) .. "&type=consumption", authorised end,
   function() return base .. "?timeRange=last-day&type=nsfw-usages,quality-gate-usages", authorised end,
   function() return base .. "?" .. window(3600) .. "&type=consumption", authorised end,
   function() return base .. "?" .. window(3600) .. "&type=activity&activityOffset=100", authorised end,
   function() return base .. "?timeRange=bogus", authorised end,
   function() return base .. "?" .. window(3600) .. "&type=consumption", authorised end,
   function() return base .. "?" .. window(3 * 86400) .. "&type=usages&dropZeroPoints=true", authorised end,
   function() return base .. "?type=consumption", anonymous end,
   function() return base .. "?" .. window(3600) .. "&type=consumption", authorised end,
   function() return base .. "?" .. window(3600) .. "&type=activity", authorised end,
   function() return base .. "?type=consumption", with(authorised, {["X-Mock-Scenario"] = "revoked-keys"}) end,
   function() return base .. "?type=consumption", with(authorised, {["X-Mock-Scenario"] = "no-such-world"}) end,
   function() return base .. "?" .. window(3600) .. "&type=consumption", authorised end,
   function() return base .. "?timeRange=last-day&type=activity", with(authorised, {["X-Mock-Scenario"] = "workflow-jobs"}) end,
   function() return base .. "?startDate=2026-11-01", authorised end,
   function() return base .. "?" .. window(86400) .. "&type=model-usages,asset-usages&dropZeroPoints=true", authorised end,
   function() return base .. "?timeRange=last-day&type=nsfw-usages,quality-gate-usages", authorised end,
   function() return base .. "?" .. window(3600) .. "&type=consumption", authorised end,
}

function request()
   local i = sent
   sent = sent + 1
   local path, headers
   if i % 100 == 0 then
      path, headers = base, authorised
   elseif i % 100 == 50 then
      path, headers = base, with(authorised, {["X-Mock-Scenario"] = "empty-team"})
   else
      path, headers = cycle[i % 20 + 1]()
   end
   return wrk.format("GET", path, headers)
end

function response(status, headers, body)
   received = received + 1
   if checkpoints[received] then
      io.write("bench: at ", received, " responses\n")
      io.stdout:flush()
   end
   if received == limit then
      -- bench/run.py interrupts wrk on this line, so the reported time is the time these requests took.
      io.write("bench: done ", received, " responses\n")
      io.stdout:flush()
      wrk.thread:stop()
   end
end
