-- Transaction check-back: is this grab in the ledger? Atomic with the grab script.
-- KEYS as in grab.lua; ARGV[1] coupon_sn.
-- Returns 1 (in the ledger: commit) or 0 (absent: roll back). An absent grab is voided here, so a
-- grab still on its way cannot land after the broker was told to roll its event back. When the
-- sale itself is gone (cleaned up, or never started) nothing is written: the grab script refuses
-- a sale that is not in Redis anyway, and a void key would outlive the cleanup.
if redis.call('HEXISTS', KEYS[3], ARGV[1]) == 1 then
  return 1
end
if redis.call('EXISTS', KEYS[1]) == 0 then
  return 0
end
local t = redis.call('TIME')
redis.call('HSETNX', KEYS[4], ARGV[1], t[1])
return 0
