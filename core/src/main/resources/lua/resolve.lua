-- Transaction check-back: is this grab in the ledger? Atomic with the grab script.
-- KEYS as in grab.lua; ARGV[1] coupon_sn.
-- Returns 1 (in the ledger: commit) or 0 (absent: roll back). An absent grab is voided here, so a
-- grab still on its way cannot land after the broker was told to roll its event back.
if redis.call('HEXISTS', KEYS[3], ARGV[1]) == 1 then
  return 1
end
local t = redis.call('TIME')
redis.call('HSETNX', KEYS[4], ARGV[1], t[1])
return 0
