-- Adds coupons to a started sale, atomic with every grab. KEYS[1] sale hash (see grab.lua), KEYS[2]
-- the sale's operation record (Registry.opsKey). ARGV[1] amount (> 0), ARGV[2] the total the caller
-- read from MySQL, ARGV[3] the operation id (one per restock the operator asked for).
-- A restock whose operation id is recorded already is not judged again: Lettuce re-sends a script
-- whose reply was lost on a dropped connection, and an operator may retry with the same
-- Idempotency-Key; either gets the recorded figures as "restocked", never "total differs" for stock
-- it added itself. Otherwise it applies only if Redis still holds the total ARGV[2], so a concurrent
-- restock, or one whose MySQL update was lost, is never added twice by a caller working from a stale
-- total; and only to an ACTIVE (2) or PAUSED (3) sale. `identity` is left as it was at start.
-- Returns {code, status, total, stock} (after the change when restocked):
-- 1 restocked (now, or earlier under this operation id: the figures as they were right after it),
-- 2 refused by status, 3 total differs from ARGV[2], 4 the operation id was used for a different
-- operation (nothing changed; the sale's figures now), 0 sale not in Redis.
if ARGV[3] == nil or ARGV[3] == '' then
  return redis.error_reply('restock needs an operation id')
end
local done = redis.call('HGET', KEYS[2], ARGV[3])
local sale = redis.call('HMGET', KEYS[1], 'status', 'total', 'stock')
if done then
  local amount, was, after, left = string.match(done, '^restock:(%d+):(%d+):(%d+):(%d+)$')
  if amount and tonumber(amount) == tonumber(ARGV[1]) then
    return {1, tonumber(was), tonumber(after), tonumber(left)}
  end
  return {4, tonumber(sale[1]) or 0, tonumber(sale[2]) or 0, tonumber(sale[3]) or 0}
end
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
redis.call('HSET', KEYS[2], ARGV[3], 'restock:' .. ARGV[1] .. ':' .. status .. ':' .. total .. ':' .. stock)
return {1, status, total, stock}
