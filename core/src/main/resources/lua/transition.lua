-- An operator's status change of a started sale (pause, resume, stop), atomic with every grab.
-- KEYS[1] sale hash (see grab.lua), KEYS[2] the sale's operation record (Registry.opsKey).
-- ARGV[1] the operation id (one per change asked for), ARGV[2] the new status; ARGV[3..] the statuses
-- it may leave (codes of ActivityStatus: 2 active, 3 paused, 4 ended). Only `status` changes (and
-- `status_version`, which counts the changes: the other segments of a split sale follow the first's
-- status by it, lua/follow.lua): stock,
-- ledger and every other key stay, and nothing gets a TTL.
-- A change whose operation id is recorded already answers what it did then and changes nothing: a
-- replay (Lettuce re-sends a script whose reply was lost) that finds the sale moved on by another
-- operator - paused, then resumed by someone else - must not apply the old change a second time.
-- Returns {changed, status}: {1, previous status} when changed (now or under this operation id
-- earlier), {0, current status} when refused, {0, 0} when the sale is not in Redis.
if ARGV[1] == nil or ARGV[1] == '' then
  return redis.error_reply('transition needs an operation id')
end
local done = redis.call('HGET', KEYS[2], ARGV[1])
if done then
  local target, previous = string.match(done, '^transition:(%d+):(%d+)$')
  if target ~= ARGV[2] then
    return redis.error_reply('operation id ' .. ARGV[1] .. ' was recorded for another operation: ' .. done)
  end
  return {1, tonumber(previous)}
end
local status = redis.call('HGET', KEYS[1], 'status')
if not status then
  return {0, 0}
end
for i = 3, #ARGV do
  if status == ARGV[i] then
    redis.call('HSET', KEYS[1], 'status', ARGV[2])
    redis.call('HINCRBY', KEYS[1], 'status_version', 1)
    redis.call('HSET', KEYS[2], ARGV[1], 'transition:' .. ARGV[2] .. ':' .. status)
    return {1, tonumber(status)}
  end
end
return {0, tonumber(status)}
