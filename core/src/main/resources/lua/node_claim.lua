-- Claims the lease on a node id for a starting (or recovering) process.
-- KEYS[1] the lease (node:{id}), KEYS[2] the high-water mark of the id's sns (node:{id}:hwm).
-- ARGV[1] the owner token, ARGV[2] lease ms, ARGV[3] the caller's clock (Unix ms), ARGV[4] how far
-- ahead of the start the new high-water mark is put (ms).
-- Free (or already this owner's: a replayed claim): SET NX PX, then the holder issues from
-- start = max(now, hwm + 1) - above every sn issued under the id before, whatever the clocks did -
-- and may issue up to ceiling = start + ahead, which is stored as the new high-water mark before
-- the first sn is made. Returns {1, start, ceiling}.
-- Held by another owner: nothing changes. Returns {0, holder, pttl of the holder's lease}.
local holder = redis.call('GET', KEYS[1])
if holder and holder ~= ARGV[1] then
  return {0, holder, redis.call('PTTL', KEYS[1])}
end
if holder then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
else
  redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2])
end
local hwm = tonumber(redis.call('GET', KEYS[2]) or '0')
local start = math.max(tonumber(ARGV[3]), hwm + 1)
local ceiling = start + tonumber(ARGV[4])
redis.call('SET', KEYS[2], string.format('%.0f', ceiling))
return {1, start, ceiling}
