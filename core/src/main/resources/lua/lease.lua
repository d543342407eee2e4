-- Renews a verified sale's lease (SaleFence): grab.lua refuses a sale whose lease_until has passed, so
-- a Redis restored from an older copy (whose lease lapsed meanwhile) sells nothing before it is checked.
-- KEYS[1] sale hash, KEYS[2] ledger. ARGV[1] the run id the checker verified, ARGV[2] lease length ms.
-- Returns {1, ledger size} when renewed; {0, ledger size} when the run id differs, the sale is fenced or
-- not in Redis (nothing changed).
local run = string.match(redis.call('INFO', 'server'), 'run_id:(%w+)')
local ledger = redis.call('HLEN', KEYS[2])
if run ~= ARGV[1] or redis.call('EXISTS', KEYS[1]) == 0 or redis.call('HEXISTS', KEYS[1], 'fenced') == 1 then
  return {0, ledger}
end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('HSET', KEYS[1], 'lease_until', now + tonumber(ARGV[2]))
return {1, ledger}
