-- Renews the lease on a node id if, and only if, the caller still holds it (compare-owner), and
-- raises the id's high-water mark to what the holder may issue until its next renewal.
-- KEYS[1] the lease, KEYS[2] the high-water mark (as in node_claim.lua).
-- ARGV[1] the owner token, ARGV[2] lease ms, ARGV[3] the wanted high-water mark (Unix ms).
-- Returns {1, high-water mark now stored} when renewed (never lowered here);
-- {0, holder or ''} when the lease is no longer the caller's (expired, maybe taken): nothing changes.
local holder = redis.call('GET', KEYS[1])
if holder ~= ARGV[1] then
  return {0, holder or ''}
end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
local hwm = tonumber(redis.call('GET', KEYS[2]) or '0')
local wanted = tonumber(ARGV[3])
if wanted > hwm then
  redis.call('SET', KEYS[2], ARGV[3])
  hwm = wanted
end
return {1, hwm}
