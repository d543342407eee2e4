-- Restores, during a heal, a loan a donor segment lost (a Redis restored from an older copy) while its
-- receiver still holds the "in" record: the donor gets its "out" record back, so heal_settle.lua counts
-- the stock as lent. Only on a fenced sale (its stock is recomputed by heal_settle.lua afterwards).
-- KEYS[1] the donor's sale hash, KEYS[2] its transfers. ARGV[1] transfer id, ARGV[2] receiver index,
-- ARGV[3] amount. Returns the amount the donor records under the id (ARGV[3] when restored now, the
-- earlier record's when it was there: a concurrent heal may have recorded another amount), -1 when the
-- sale is not fenced (nothing done).
if not redis.call('HGET', KEYS[1], 'fenced') then
  return -1
end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('HSETNX', KEYS[2], ARGV[1], 'out:' .. ARGV[2] .. ':' .. ARGV[3] .. ':' .. now)
return tonumber(string.match(redis.call('HGET', KEYS[2], ARGV[1]), '^out:%d+:(%d+):'))
