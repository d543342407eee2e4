-- Everything reconciliation compares, read atomically (no grab can land between the parts).
-- KEYS as in grab.lua: sale, users, ledger, void, request, publications, then transfers.
-- Returns {} when the sale is not in Redis, else
-- {status, total, stock, {ledger field, value, ...}, {users field, value, ...}, {transfer id, record, ...}}.
local sale = redis.call('HMGET', KEYS[1], 'status', 'total', 'stock')
if not sale[1] then
  return {}
end
return {sale[1], sale[2], sale[3], redis.call('HGETALL', KEYS[3]), redis.call('HGETALL', KEYS[2]),
  redis.call('HGETALL', KEYS[7])}
