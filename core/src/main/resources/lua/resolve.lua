-- Transaction check-back: is this grab in the ledger? Atomic with the grab script.
-- KEYS as in grab.lua; ARGV[1] coupon_sn; ARGV[2] "userId:seq" of the grab the message carries
-- ('' for a message sent without it: then any entry under the coupon_sn counts).
-- Returns 1 (in the ledger: commit), 0 (absent: roll back) or 2 (the coupon_sn is in the ledger as
-- another grab's - the same coupon_sn made twice, refused by grab.lua as a collision - roll back,
-- nothing voided: the entry is the other grab's grant). An absent grab is voided here, so a
-- grab still on its way cannot land after the broker was told to roll its event back. When the
-- sale itself is gone (cleaned up, or never started) nothing is written: the grab script refuses
-- a sale that is not in Redis anyway, and a void key would outlive the cleanup.
local entry = redis.call('HGET', KEYS[3], ARGV[1])
if entry then
  local grantee = ARGV[2] or ''
  if grantee ~= '' and string.sub(entry, 1, #grantee + 1) ~= grantee .. ':' then
    return 2
  end
  return 1
end
if redis.call('EXISTS', KEYS[1]) == 0 then
  return 0
end
local t = redis.call('TIME')
redis.call('HSETNX', KEYS[4], ARGV[1], t[1])
return 0
