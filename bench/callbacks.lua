-- wrk script: every request is a callback for a new SMSID (so every request
-- creates and merges a row), in the format of the seed's CSKH SMS sample.
local threads = {}

function setup(thread)
   thread:set("id", #threads)
   table.insert(threads, thread)
end

function init(args)
   counter = 0
   prefix = string.format("bench-%d-%d-", os.time(), id)
end

function request()
   counter = counter + 1
   return wrk.format("GET", "/callback/esms?SMSID=" .. prefix .. counter ..
      "&SendFailed=0&SendStatus=5&SendSuccess=1&TotalPrice=850.0000&TotalReceiver=1" ..
      "&TotalSent=1&RequestId=&TypeId=2&telcoid=1&phonenumber=0901888484&switchsmsid=")
end
