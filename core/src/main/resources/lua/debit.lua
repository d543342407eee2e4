-- Lends stock of one segment of a split sale to another (SaleSegments.borrow), first half of a transfer.
-- KEYS[1] the donor's sale hash, KEYS[2] its transfers (Registry.transfersKey).
-- ARGV[1] transfer id (unique), ARGV[2] the receiving segment's index, ARGV[3] how much is wanted (> 0).
-- Takes min(stock, wanted) from the donor's stock and records "out:receiver:amount:ms" under the id; the
-- receiver's credit.lua adds it there. Lends nothing from a sale that is fenced, whose fence lease
-- lapsed (its stock may be stale, see grab.lua), that is not ACTIVE (2) or PAUSED (3), or that has no stock.
-- A replay of the same call (Lettuce re-sent it) answers the amount recorded then.
-- Returns the amount lent (0: nothing), or -1 when the sale is not in Redis.
local done = redis.call('HGET', KEYS[2], ARGV[1])
if done then
  return tonumber(string.match(done, '^out:%d+:(%d+):'))
end
local sale = redis.call('HMGET', KEYS[1], 'status', 'stock', 'fenced', 'lease_until')
if not sale[1] then
  return -1
end
local status = tonumber(sale[1])
if sale[3] or (status ~= 2 and status ~= 3) then
  return 0
end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
if sale[4] and now >= tonumber(sale[4]) then
  return 0
end
local amount = math.min(tonumber(sale[2]), tonumber(ARGV[3]))
if amount <= 0 then
  return 0
end
redis.call('HINCRBY', KEYS[1], 'stock', -amount)
redis.call('HSET', KEYS[2], ARGV[1], 'out:' .. ARGV[2] .. ':' .. amount .. ':' .. now)
return amount
