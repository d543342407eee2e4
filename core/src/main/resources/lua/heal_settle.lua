-- Ends a heal (SaleFence): sets stock from the ledger, pauses an oversold sale and lifts the fence,
-- provided Redis is still the process the heal verified (a restart during the heal leaves it fenced).
-- KEYS[1] sale hash, KEYS[2] ledger, KEYS[3] transfers (Registry.transfersKey; empty for a sale of one
-- segment). ARGV[1] the run id the heal verified, ARGV[2] lease length ms.
-- quota := total + stock borrowed - stock lent (the transfers, merged from every segment first);
-- stock := max(0, quota - ledger size); oversold := max(0, ledger size - quota); an oversold ACTIVE (2)
-- sale becomes PAUSED (3). Returns {1, ledger size, stock, oversold, status}, or {0, 0, 0, 0, 0} when
-- the run id differs or the sale is not in Redis (nothing changed).
local run = string.match(redis.call('INFO', 'server'), 'run_id:(%w+)')
if run ~= ARGV[1] or redis.call('EXISTS', KEYS[1]) == 0 then
  return {0, 0, 0, 0, 0}
end
local sale = redis.call('HMGET', KEYS[1], 'status', 'total')
local total = tonumber(sale[2])
for _, record in ipairs(redis.call('HVALS', KEYS[3])) do
  local way, amount = string.match(record, '^(%a+):%d+:(%d+):')
  if way == 'in' then
    total = total + tonumber(amount)
  elseif way == 'out' then
    total = total - tonumber(amount)
  end
end
local ledger = redis.call('HLEN', KEYS[2])
local stock = total - ledger
local oversold = 0
if stock < 0 then
  oversold = -stock
  stock = 0
end
local status = tonumber(sale[1])
if oversold > 0 and status == 2 then
  status = 3
end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('HSET', KEYS[1], 'stock', stock, 'status', status, 'lease_until', now + tonumber(ARGV[2]),
  'epoch', run .. ':' .. t[1] .. '.' .. t[2])
if status ~= tonumber(sale[1]) then
  redis.call('HINCRBY', KEYS[1], 'status_version', 1)
end
redis.call('HDEL', KEYS[1], 'fenced')
return {1, ledger, stock, oversold, status}
