-- Copies a sale into Redis once. KEYS[1] sale hash.
-- ARGV: status, start_ms, end_ms, limit, total, identity, and '1' for a segment of a split sale (it sets
-- `segmented`, so grab.lua answers an empty segment 13 instead of sold out) or '' otherwise.
-- identity names the activity row (id, template, stock, window, limit) so that a Redis shared by
-- another database, or one left over from a reset database, is never mistaken for this sale.
-- Returns 1 when created, 0 when this same sale was already in Redis (never re-seeds stock),
-- -1 when Redis holds a different sale under this id.
local existing = redis.call('HGET', KEYS[1], 'identity')
if existing then
  if existing == ARGV[6] then
    return 0
  end
  return -1
end
if redis.call('EXISTS', KEYS[1]) == 1 then
  return -1
end
redis.call('HSET', KEYS[1], 'status', ARGV[1], 'start_ms', ARGV[2], 'end_ms', ARGV[3],
  'limit', ARGV[4], 'total', ARGV[5], 'stock', ARGV[5], 'identity', ARGV[6])
if ARGV[7] == '1' then
  redis.call('HSET', KEYS[1], 'segmented', 1)
end
return 1
