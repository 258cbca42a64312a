-- wrk script: every request a different custom window inside the last 7 days, so no two requests share a rendering.
--   wrk -s bench/distinct.lua URL -- NOW_EPOCH_SECONDS [OFFSET]
-- startDate moves forward from now - 7 days and endDate back from now, by whole minutes (up to 999 each way):
-- a million distinct windows of 5.6 to 7 days. OFFSET starts the sequence elsewhere (a warm-up run uses another
-- part of it than the measured run); each wrk thread starts 100,000 windows after the previous one.

local threads = 0

function setup(thread)
   thread:set("thread_index", threads)
   threads = threads + 1
end

local now, counter, base, sep

function init(args)
   now = tonumber(args[1]) or os.time()
   counter = (tonumber(args[2]) or 0) + (thread_index or 0) * 100000
   base = wrk.path
   sep = base:find("?", 1, true) and "&" or "?"
end

local function iso(seconds)
   return os.date("!%Y-%m-%dT%H:%M:%SZ", seconds)
end

function request()
   local forward = counter % 1000
   local back = math.floor(counter / 1000) % 1000
   counter = counter + 1
   local start = now - 7 * 86400 + forward * 60
   local stop = now - back * 60
   return wrk.format(nil, base .. sep .. "startDate=" .. iso(start) .. "&endDate=" .. iso(stop))
end
