-- Adds coupons to a started sale, atomic with every grab. KEYS[1] sale hash (see grab.lua).
-- ARGV[1] amount (> 0), ARGV[2] the total the caller read from MySQL: the restock applies only if
-- Redis still holds that total, so a concurrent restock, or one whose MySQL update was lost, is
-- never added twice by a caller working from a stale total.
-- Only an ACTIVE (2) or PAUSED (3) sale is restocked; `identity` is left as it was at start.
-- Returns {code, status, total, stock} (after the change when restocked):
-- 1 restocked, 2 refused by status, 3 total differs from ARGV[2], 0 sale not in Redis.
local sale = redis.call('HMGET', KEYS[1], 'status', 'total', 'stock')
if not sale[1] then
  return {0, 0, 0, 0}
end
local status = tonumber(sale[1])
local total = tonumber(sale[2])
local stock = tonumber(sale[3])
if status ~= 2 and status ~= 3 then
  return {2, status, total, stock}
end
if total ~= tonumber(ARGV[2]) then
  return {3, status, total, stock}
end
total = redis.call('HINCRBY', KEYS[1], 'total', ARGV[1])
stock = redis.call('HINCRBY', KEYS[1], 'stock', ARGV[1])
return {1, status, total, stock}
