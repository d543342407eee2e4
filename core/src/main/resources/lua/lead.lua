-- Puts the first segment of a split sale ahead of its followers again (SaleSegments.syncStatus): a copy
-- restored from before, a re-created hash or a failover to a lagging replica can leave its
-- `status_version` at or below a follower's, and follow.lua would then never move that follower. Raises
-- it to ARGV[1] when below. KEYS[1] the first segment's sale hash.
-- Returns {status, status_version} after the call, {0, 0} when it is not in Redis.
local sale = redis.call('HMGET', KEYS[1], 'status', 'status_version')
if not sale[1] then
  return {0, 0}
end
local version = tonumber(sale[2] or '0')
if version < tonumber(ARGV[1]) then
  version = tonumber(ARGV[1])
  redis.call('HSET', KEYS[1], 'status_version', version)
end
return {tonumber(sale[1]), version}
