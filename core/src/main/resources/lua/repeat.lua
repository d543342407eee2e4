-- Read-only: the coupon a client request was granted before, if any.
-- KEYS as in grab.lua; ARGV[1] user id, ARGV[2] request id.
-- Returns {coupon_sn, seq} when the request was granted, {} otherwise.
local sn = redis.call('HGET', KEYS[5], ARGV[1] .. ':' .. ARGV[2])
if not sn then
  return {}
end
local entry = redis.call('HGET', KEYS[3], sn)
local seq = entry and string.match(entry, '^[^:]+:([^:]+):') or '0'
return {sn, seq}
