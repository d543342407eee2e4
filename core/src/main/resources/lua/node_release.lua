-- Releases the lease on a node id at a graceful stop, if the caller still holds it, and stores the
-- exact high-water mark of what it issued (its last millisecond, at or above the mark it found when
-- it claimed), so the next holder starts right after it instead of one step ahead.
-- KEYS[1] the lease, KEYS[2] the high-water mark (as in node_claim.lua).
-- ARGV[1] the owner token, ARGV[2] the last millisecond issued (Unix ms).
-- Returns 1 when released, 0 when the lease was no longer the caller's (nothing changes).
if redis.call('GET', KEYS[1]) ~= ARGV[1] then
  return 0
end
redis.call('DEL', KEYS[1])
redis.call('SET', KEYS[2], ARGV[2])
return 1
