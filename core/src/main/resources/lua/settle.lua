-- Settles a client request id that admission refused locally (sold out, ended, paused) without a grab:
-- its outcome becomes the refusal unless one is recorded already - a grant or a refusal written by
-- grab.lua or by an earlier settle - and that recorded outcome is answered instead. So a request whose
-- earlier attempt is still queued somewhere (another instance) can no longer be granted by that
-- attempt after this one was told it was refused: the queued attempt finds the refusal (grab.lua).
-- KEYS as in grab.lua; ARGV[1] user id, ARGV[2] request id, ARGV[3] the local refusal (GrabCode 2, 5 or 6;
-- a sold-out refusal of a user at the per-user limit is recorded and answered as limit reached, 3).
-- Returns grab.lua's reply shape {code, remaining stock, seq or count, coupon_sn, recorded}:
-- {7, 0, 0, '', 0} when the sale is not in Redis (cleaned up: nothing is written, the request hash is gone
-- with the sale; the caller asks MySQL), {10, stock, seq, sn, 0} when the request was granted,
-- {code, stock, count, '', recorded} for a refusal, recorded = 1 when it was there before this call,
-- {12, stock, 0, '', 0} when the sale is fenced or its fence lease lapsed (as in grab.lua): Redis may have
-- lost this request's recorded outcome, so nothing is recorded or answered from it until a heal restored it.
local sale = redis.call('HMGET', KEYS[1], 'status', 'stock', 'fenced', 'lease_until')
if not sale[1] then
  return {7, 0, 0, '', 0}
end
local stock = tonumber(sale[2])
if sale[3] then
  return {12, stock, 0, '', 0}
end
if sale[4] then
  local t = redis.call('TIME')
  if tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) >= tonumber(sale[4]) then
    return {12, stock, 0, '', 0}
  end
end
local request = ARGV[1] .. ':' .. ARGV[2]
-- The refusal grab.lua would give: it judges the limit before the stock, so a user at the limit is
-- refused LIMIT_REACHED, not SOLD_OUT. The same request is then answered the same refusal whichever
-- path judged it, also when a Redis that lost the recorded outcome judges it again after a heal.
local refusal = ARGV[3]
if refusal == '2' then
  local limit = tonumber(redis.call('HGET', KEYS[1], 'limit') or '0')
  if limit > 0 and tonumber(redis.call('HGET', KEYS[2], ARGV[1]) or '0') >= limit then
    refusal = '3'
  end
end
local fresh = redis.call('HSETNX', KEYS[5], request, '!' .. refusal)
local outcome = redis.call('HGET', KEYS[5], request)
if string.sub(outcome, 1, 1) == '!' then
  local count = tonumber(redis.call('HGET', KEYS[2], ARGV[1]) or '0')
  return {tonumber(string.sub(outcome, 2)), stock, count, '', 1 - fresh}
end
local entry = redis.call('HGET', KEYS[3], outcome)
local seq = entry and string.match(entry, '^[^:]+:([^:]+):') or '0'
return {10, stock, tonumber(seq), outcome, 0}
