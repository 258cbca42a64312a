-- wrk script: spread wrk's threads over several servers on 127.0.0.1, one port per thread in turn, and optionally
-- send another script's requests (its init, request and response run in every thread).
--   BENCH_PORTS=P1,P2 [BENCH_SCRIPT=bench/mixed.lua] wrk -t2 -c16 -s bench/spread.lua http://127.0.0.1:P1/v1/usages [-- ARGS]
-- Use as many threads as ports (or a multiple): each thread's connections all go to its port. The Host header keeps
-- the URL's port; the API never looks at it.

local inner = os.getenv("BENCH_SCRIPT")
if inner and inner ~= "" then
   dofile(inner)
end

local ports = {}
for port in string.gmatch(os.getenv("BENCH_PORTS") or "", "%d+") do
   ports[#ports + 1] = port
end
local threads = 0

function setup(thread)
   if #ports > 0 then
      thread.addr = wrk.lookup(wrk.host, ports[threads % #ports + 1])[1]
   end
   threads = threads + 1
end
