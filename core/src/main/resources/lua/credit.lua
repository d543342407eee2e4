-- Receives stock lent by another segment of a split sale, second half of a transfer (SaleSegments):
-- applied once per transfer id, only after the donor's debit.lua recorded the id (by the borrower, or by
-- whoever completes a transfer left in flight). KEYS[1] the receiver's sale hash, KEYS[2] its transfers.
-- ARGV[1] transfer id, ARGV[2] the donor's index, ARGV[3] the amount the debit recorded, ARGV[4] the
-- receiver's `epoch` as the caller read it BEFORE it read the debit (or made it): a fence or heal since
-- (fence.lua, heal_settle.lua set a new one) may have dropped that debit from a donor restored from an older
-- copy, so the credit is refused (-2) and left to whoever completes transfers in flight from fresh reads.
-- Adds the amount to stock and records "in:donor:amount:ms". Applied whatever the status: the coupons
-- exist and were taken from the donor; a fenced receiver's stock is set from its transfers by the heal.
-- Returns 1 when applied now, 0 when the id was applied before, -1 when the sale is not in Redis, -2 when
-- the epoch moved.
if redis.call('HEXISTS', KEYS[2], ARGV[1]) == 1 then
  return 0
end
if redis.call('EXISTS', KEYS[1]) == 0 then
  return -1
end
if (redis.call('HGET', KEYS[1], 'epoch') or '0') ~= ARGV[4] then
  return -2
end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('HINCRBY', KEYS[1], 'stock', tonumber(ARGV[3]))
redis.call('HSET', KEYS[2], ARGV[1], 'in:' .. ARGV[2] .. ':' .. ARGV[3] .. ':' .. now)
return 1
