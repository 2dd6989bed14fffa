-- wrk script for bench/scale.sh: callbacks that insert and then update, as
-- a message's life does. Odd requests report a new SMSID waiting at the
-- telco (the row is created); even ones report the message 250 requests
-- back sent (the row is updated, leaving a dead tuple for autovacuum).
local threads = {}

function setup(thread)
   thread:set("id", #threads)
   table.insert(threads, thread)
end

function init(args)
   counter = 0
   prefix = string.format("scale-%d-%d-", os.time(), id)
end

function request()
   counter = counter + 1
   local n = math.floor((counter + 1) / 2)
   local status = 2
   if counter % 2 == 0 then
      n = n - 250
      status = 5
      if n < 1 then
         n = 1
      end
   end
   return wrk.format("GET", "/callback/esms?SMSID=" .. prefix .. n ..
      "&SendFailed=0&SendStatus=" .. status .. "&SendSuccess=1&TotalPrice=850.0000" ..
      "&TotalReceiver=1&TotalSent=1&RequestId=&TypeId=2&telcoid=1&phonenumber=0901888484")
end
