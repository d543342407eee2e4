-- Fences a sale whose Redis state may have lost grants (SaleFence): every grab answers FENCED until
-- settle.lua lifts it. KEYS[1] sale hash.
-- ARGV[1] reason; ARGV[2..7] status, start_ms, end_ms, limit, total, identity of the activity as MySQL
-- holds it, used only when the sale hash is gone: it is re-created with stock 0 (heal.lua and
-- settle.lua set the real figures), so a missing sale is never re-seeded with its full stock. ARGV[8] '1'
-- for a segment of a split sale (re-created with `segmented`, see start.lua).
-- Every fence sets `epoch` to a value never used before (this Redis process's run id and its clock), so a
-- credit that read the epoch before it (credit.lua) can no longer land after the heal, even on a copy
-- restored from before: a counter could come back to the value the credit read.
-- Returns 1 when the hash existed, 2 when it was re-created.
local t = redis.call('TIME')
local epoch = string.match(redis.call('INFO', 'server'), 'run_id:(%w+)') .. ':' .. t[1] .. '.' .. t[2]
if redis.call('EXISTS', KEYS[1]) == 1 then
  redis.call('HSET', KEYS[1], 'fenced', ARGV[1], 'epoch', epoch)
  return 1
end
redis.call('HSET', KEYS[1], 'status', ARGV[2], 'start_ms', ARGV[3], 'end_ms', ARGV[4], 'limit', ARGV[5],
  'total', ARGV[6], 'stock', 0, 'identity', ARGV[7], 'fenced', ARGV[1], 'epoch', epoch)
if ARGV[8] == '1' then
  redis.call('HSET', KEYS[1], 'segmented', 1)
end
return 2
