-- An operator's status change of a started sale (pause, resume, stop), atomic with every grab.
-- KEYS[1] sale hash (see grab.lua). ARGV[1] the new status; ARGV[2..] the statuses it may leave
-- (codes of ActivityStatus: 2 active, 3 paused, 4 ended). Only `status` changes: stock, ledger and
-- every other key stay, and nothing gets a TTL.
-- Returns {changed, status}: {1, previous status} when changed, {0, current status} when refused,
-- {0, 0} when the sale is not in Redis.
local status = redis.call('HGET', KEYS[1], 'status')
if not status then
  return {0, 0}
end
for i = 2, #ARGV do
  if status == ARGV[i] then
    redis.call('HSET', KEYS[1], 'status', ARGV[1])
    return {1, tonumber(status)}
  end
end
return {0, tonumber(status)}
