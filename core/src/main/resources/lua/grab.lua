-- One flash-sale grab, atomic on the keys of one activity (one hash slot).
-- KEYS[1] sale hash (status, start_ms, end_ms, limit, total, stock)
-- KEYS[2] users hash  userId -> coupons won
-- KEYS[3] ledger hash coupon_sn -> "userId:seq:grantedAtMs"
-- KEYS[4] void hash   coupon_sn -> time the transaction checker rolled it back
-- KEYS[5] request hash "userId:requestId" -> the request's outcome: the coupon_sn granted to it, or
--         "!<code>", the refusal it was answered (2 sold out, 3 limit reached, 5 ended, 6 not active)
-- ARGV[1] user id, ARGV[2] coupon_sn (made by the ingress), ARGV[3] grantedAtMs,
-- ARGV[4] the seq the ingress put in the event (the user's count + 1),
-- ARGV[5] the client's request id ('' when none)
-- Returns {code, remaining stock, seq or current count, coupon_sn, recorded}; codes are GrabCode in Java:
-- 1 granted, 2 sold out, 3 limit reached, 4 not started, 5 ended, 6 not active,
-- 7 sale not in Redis, 8 voided by the checker, 9 seq stale (the user's count moved),
-- 10 repeated (this request id was granted before: coupon_sn is the original one, never ARGV[2]),
-- 11 sn collision (ARGV[2] is in the ledger as another grab's: nothing changed, retry with a new sn),
-- 12 fenced (Redis may have lost grants of this sale: `fenced` is set, or the `lease_until` the fence
-- checker renews after verifying this Redis has passed; see SaleFence - nothing changed, retry).
-- recorded is 1 when the refusal is the one an earlier attempt of this request id was answered.
-- A request id's first definitive outcome sticks (DESIGN.md "request ids"): a grant, or one of the
-- refusals 2, 3, 5, 6, is written to KEYS[5] and every later attempt gets it, so an attempt that
-- runs late can never grant after another attempt was refused, nor refuse after it was granted.
-- Not recorded: not started (nothing was decided yet), 7-9, 11 and 12 (nothing was decided).
local sale = redis.call('HMGET', KEYS[1], 'status', 'start_ms', 'end_ms', 'limit', 'stock', 'fenced', 'lease_until')
if not sale[1] then
  return {7, 0, 0, '', 0}
end
local stock = tonumber(sale[5])
local sn = ARGV[2]
-- This very grab already ran: the client (Lettuce replays a command whose reply was lost when the
-- connection dropped) sends it again. Answer GRANTED, whatever the window or request id say now, so the
-- ingress commits this coupon's event; REPEATED would make it roll back a grant that is in the ledger.
-- Only when the entry is this grab's - same user, same seq: the same coupon_sn made twice (two
-- instances with one node id, a clock stepped back) must not hand another user's coupon to this one.
local previous = redis.call('HGET', KEYS[3], sn)
if previous then
  local owner, seq = string.match(previous, '^([^:]+):([^:]+):')
  if owner == ARGV[1] and seq == ARGV[4] then
    return {1, stock, tonumber(seq), sn, 0}
  end
  return {11, stock, 0, '', 0}
end
local request = nil
if ARGV[5] ~= '' then
  request = ARGV[1] .. ':' .. ARGV[5]
  local outcome = redis.call('HGET', KEYS[5], request)
  if outcome then
    if string.sub(outcome, 1, 1) == '!' then
      local count = tonumber(redis.call('HGET', KEYS[2], ARGV[1]) or '0')
      return {tonumber(string.sub(outcome, 2)), stock, count, '', 1}
    end
    local entry = redis.call('HGET', KEYS[3], outcome)
    local seq = entry and string.match(entry, '^[^:]+:([^:]+):') or '0'
    return {10, stock, tonumber(seq), outcome, 0}
  end
end
if sale[6] then
  return {12, stock, 0, '', 0}
end
-- A definitive refusal: recorded for the request id, if there is one, then answered.
local function refuse(code, count)
  if request then
    redis.call('HSET', KEYS[5], request, '!' .. code)
  end
  return {code, stock, count, '', 0}
end
if tonumber(sale[1]) ~= 2 then
  if tonumber(sale[1]) == 4 then
    return refuse(5, 0)
  end
  return refuse(6, 0)
end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
if sale[7] and now >= tonumber(sale[7]) then
  return {12, stock, 0, '', 0}
end
if now < tonumber(sale[2]) then
  return {4, stock, 0, '', 0}
end
if now >= tonumber(sale[3]) then
  return refuse(5, 0)
end
if redis.call('HEXISTS', KEYS[4], sn) == 1 then
  return {8, stock, 0, '', 0}
end
local count = tonumber(redis.call('HGET', KEYS[2], ARGV[1]) or '0')
if count >= tonumber(sale[4]) then
  return refuse(3, count)
end
if stock <= 0 then
  stock = 0
  return refuse(2, count)
end
if count + 1 ~= tonumber(ARGV[4]) then
  return {9, stock, count, '', 0}
end
redis.call('HINCRBY', KEYS[1], 'stock', -1)
local seq = redis.call('HINCRBY', KEYS[2], ARGV[1], 1)
redis.call('HSET', KEYS[3], sn, ARGV[1] .. ':' .. seq .. ':' .. ARGV[3])
if request then
  redis.call('HSET', KEYS[5], request, sn)
end
return {1, stock - 1, seq, sn, 0}
