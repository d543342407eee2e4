-- Removes an ended, reconciled sale from Redis: all of its keys, or nothing.
-- KEYS: the keys to delete (Registry.cleanupKeys: sale, users, ledger, void, request, ops, ...;
-- KEYS[1] the sale hash, KEYS[3] the ledger), then, last, the tombstone (Registry.cleanedKey).
-- ARGV[1] ledger size and ARGV[2] stock that the reconciliation saw, ARGV[3] the operation id (one
-- per cleanup asked for), ARGV[4] the tombstone's TTL in seconds.
-- A removal leaves the tombstone "keysDeleted:operationId": a replay of the same cleanup (Lettuce
-- re-sends a script whose reply was lost) answers the same count instead of "not in Redis", and a
-- cleanup cut short before MySQL recorded it can be completed later.
-- Returns the number of keys deleted (>= 1; for a replay, the number deleted then), 0 when the sale
-- is not in Redis, -1 when the sale is not ENDED in Redis (a grab could still land), -2 when stock or
-- ledger moved since the reconciliation.
if ARGV[3] == nil or ARGV[3] == '' then
  return redis.error_reply('cleanup needs an operation id')
end
local tombstone = KEYS[#KEYS]
local mark = redis.call('GET', tombstone)
if mark then
  local deleted, op = string.match(mark, '^(%d+):(.*)$')
  if op == ARGV[3] then
    return tonumber(deleted)
  end
end
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
local deleted = redis.call('DEL', unpack(KEYS, 1, #KEYS - 1))
redis.call('SET', tombstone, deleted .. ':' .. ARGV[3], 'EX', ARGV[4])
return deleted
