-- Makes one of the other segments of a split sale follow the first segment's status (SaleSegments): the
-- first segment is where pause, resume and stop are decided (transition.lua, which counts its changes in
-- `status_version`); the others take its status when they have seen fewer changes. ENDED (4) is final.
-- KEYS[1] the follower's sale hash. ARGV[1] the first segment's status, ARGV[2] its status_version.
-- Returns the follower's status after the call, 0 when it is not in Redis.
local sale = redis.call('HMGET', KEYS[1], 'status', 'status_version')
if not sale[1] then
  return 0
end
if sale[1] ~= '4' and tonumber(sale[2] or '0') < tonumber(ARGV[2]) then
  redis.call('HSET', KEYS[1], 'status', ARGV[1], 'status_version', ARGV[2])
  return tonumber(ARGV[1])
end
return tonumber(sale[1])
