-- Removes an ended, reconciled sale from Redis: all of its keys, or nothing.
-- KEYS as in grab.lua: sale, users, ledger, void, request.
-- ARGV[1] ledger size and ARGV[2] stock that the reconciliation saw.
-- Returns the number of keys deleted (>= 1), 0 when the sale is not in Redis, -1 when the sale is
-- not ENDED in Redis (a grab could still land), -2 when stock or ledger moved since the reconciliation.
local sale = redis.call('HMGET', KEYS[1], 'status', 'stock')
if not sale[1] then
  return 0
end
if tonumber(sale[1]) ~= 4 then
  return -1
end
if tonumber(sale[2]) ~= tonumber(ARGV[2]) or redis.call('HLEN', KEYS[3]) ~= tonumber(ARGV[1]) then
  return -2
end
return redis.call('DEL', KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5])
