-- Re-applies one batch of user_coupons rows of a fenced sale to its Redis state; idempotent per row.
-- KEYS as in grab.lua: sale, users, ledger, void, request, publications.
-- ARGV: groups of 5 per row: coupon_sn, user id, seq, granted_at_ms, request id ('' when none).
-- For each row whose coupon_sn is not in the ledger: adds it ("userId:seq:grantedAtMs"), drops it from
-- the void hash (the row proves the grant), and raises the user's count to at least seq. A row with a
-- request id makes that grant the request's recorded outcome again (a retry of the request is answered
-- its coupon, never granted a second one); the row wins over an outcome recorded since the loss - the
-- grant was the request's first answer. Stock is left to settle.lua,
-- which sets it from the ledger size once every row is in.
-- Returns {rows re-added, user counts raised}, or {-1, 0} when the sale is not fenced (nothing done).
if not redis.call('HGET', KEYS[1], 'fenced') then
  return {-1, 0}
end
local readded = 0
local raised = 0
for i = 1, #ARGV, 5 do
  local sn = ARGV[i]
  if redis.call('HEXISTS', KEYS[3], sn) == 0 then
    redis.call('HSET', KEYS[3], sn, ARGV[i + 1] .. ':' .. ARGV[i + 2] .. ':' .. ARGV[i + 3])
    redis.call('HDEL', KEYS[4], sn)
    readded = readded + 1
  end
  local count = tonumber(redis.call('HGET', KEYS[2], ARGV[i + 1]) or '0')
  if count < tonumber(ARGV[i + 2]) then
    redis.call('HSET', KEYS[2], ARGV[i + 1], ARGV[i + 2])
    raised = raised + 1
  end
  if ARGV[i + 4] ~= '' then
    redis.call('HSET', KEYS[5], ARGV[i + 1] .. ':' .. ARGV[i + 4], sn)
  end
end
return {readded, raised}
