-- Copies a sale into Redis once. KEYS[1] sale hash.
-- ARGV: status, start_ms, end_ms, limit, total.
-- Returns 1 when created, 0 when the sale was already in Redis (never re-seeds stock).
if redis.call('EXISTS', KEYS[1]) == 1 then
  return 0
end
redis.call('HSET', KEYS[1], 'status', ARGV[1], 'start_ms', ARGV[2], 'end_ms', ARGV[3],
  'limit', ARGV[4], 'total', ARGV[5], 'stock', ARGV[5])
return 1
