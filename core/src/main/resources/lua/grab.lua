-- A batch of flash-sale grabs (group commit), atomic on the keys of one activity (one hash slot).
-- KEYS[1] sale hash (status, start_ms, end_ms, limit, total, stock)
-- KEYS[2] users hash  userId -> coupons won
-- KEYS[3] ledger hash coupon_sn -> "userId:seq:grantedAtMs"
-- KEYS[4] void hash   coupon_sn -> time a transaction check-back rolled it back (not read here)
-- KEYS[5] request hash "userId:requestId" -> the request's outcome: the coupon_sn granted to it, or
--         "!<code>", the refusal it was answered (2 sold out, 3 limit reached, 5 ended, 6 not active)
-- KEYS[6] publication outbox hash batchId -> the batch's grants whose CouponGrabbed events are not yet
--         known to be in the broker: "createdMs:templateId" then one line per grant
--         "\ncoupon_sn:userId:seq:grantedAtMs:requestId" (request ids never hold ':' or control characters)
-- ARGV[1] batch id (unique: made from a coupon_sn), ARGV[2] the batch's creation time (ms),
-- ARGV[3] the sale's template id, then 4 per grab: user id, coupon_sn (made by the ingress),
-- grantedAtMs, request id ('' when none).
-- Returns 5 per grab, in order: {code, remaining stock, seq or current count, coupon_sn, recorded};
-- codes are GrabCode in Java:
-- 1 granted, 2 sold out, 3 limit reached, 4 not started, 5 ended, 6 not active, 7 sale not in Redis,
-- 10 repeated (this request id was granted before: coupon_sn is the original one, never the grab's),
-- 11 sn collision (the grab's coupon_sn is in the ledger as another grab's: nothing changed, retry with
-- a new sn), 13 segment empty (this segment of a split sale - `segmented` set by start.lua - has no
-- stock left; not recorded, nothing changed), 12 fenced (Redis may have lost grants of this sale: `fenced` is set, or the `lease_until`
-- the fence checker renews after verifying this Redis has passed; see SaleFence - nothing changed).
-- recorded is 1 when the refusal is the one an earlier attempt of this request id was answered.
-- A request id's first definitive outcome sticks (DESIGN.md "request ids"): a grant, or one of the
-- refusals 2, 3, 5, 6, is written to KEYS[5] and every later attempt gets it. Not recorded: not
-- started (nothing was decided yet), 7, 11, 12 and 13 (nothing was decided).
-- The grants of the batch and their outbox entry are written together: a grant is in the ledger if and
-- only if its event is in the broker or in the outbox (GrantLedger sends the events after this script
-- and then removes the entry; PublicationRelay sends what a crash left behind).
local sale = redis.call('HMGET', KEYS[1], 'status', 'start_ms', 'end_ms', 'limit', 'stock', 'fenced', 'lease_until',
  'segmented')
local out = {}
local n = (#ARGV - 3) / 4
if not sale[1] then
  for i = 1, n do
    out[#out + 1] = 7; out[#out + 1] = 0; out[#out + 1] = 0; out[#out + 1] = ''; out[#out + 1] = 0
  end
  return out
end
local status = tonumber(sale[1])
local limit = tonumber(sale[4])
local stock = tonumber(sale[5])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
-- What holds for the whole batch: nil when each grab is judged on its own.
local saleCode = nil
if sale[6] then
  saleCode = 12
elseif status ~= 2 then
  saleCode = (status == 4) and 5 or 6
elseif sale[7] and now >= tonumber(sale[7]) then
  saleCode = 12
elseif now < tonumber(sale[2]) then
  saleCode = 4
elseif now >= tonumber(sale[3]) then
  saleCode = 5
end
-- A replay of this very call (Lettuce re-sends a script whose reply was lost when the connection
-- dropped) finds the outbox entry the first run wrote: its grants are this batch's own.
local own = {}
local first = redis.call('HGET', KEYS[6], ARGV[1])
if first then
  for sn in string.gmatch(first, '\n([^:]+):') do
    own[sn] = true
  end
end
local granted = {}
local function answer(code, remaining, seq, sn, recorded)
  out[#out + 1] = code; out[#out + 1] = remaining; out[#out + 1] = seq; out[#out + 1] = sn
  out[#out + 1] = recorded
end
for i = 0, n - 1 do
  local user = ARGV[4 + i * 4]
  local sn = ARGV[5 + i * 4]
  local grantedAt = ARGV[6 + i * 4]
  local rid = ARGV[7 + i * 4]
  local previous = redis.call('HGET', KEYS[3], sn)
  if previous then
    -- Granted by the first run of this call: answered GRANTED again and kept in the outbox entry. Any
    -- other entry is another grab's - the same coupon_sn made twice (two instances with one node id, a
    -- clock stepped back) - and must not hand that grab's coupon to this one.
    local owner, seq = string.match(previous, '^([^:]+):([^:]+):')
    if own[sn] and owner == user then
      granted[#granted + 1] = sn .. ':' .. user .. ':' .. seq .. ':' .. grantedAt .. ':' .. rid
      answer(1, stock, tonumber(seq), sn, 0)
    else
      answer(11, stock, 0, '', 0)
    end
  else
    local request = nil
    local outcome = nil
    if rid ~= '' then
      request = user .. ':' .. rid
      outcome = redis.call('HGET', KEYS[5], request)
    end
    if outcome then
      if string.sub(outcome, 1, 1) == '!' then
        local count = tonumber(redis.call('HGET', KEYS[2], user) or '0')
        answer(tonumber(string.sub(outcome, 2)), stock, count, '', 1)
      else
        local entry = redis.call('HGET', KEYS[3], outcome)
        local seq = entry and string.match(entry, '^[^:]+:([^:]+):') or '0'
        answer(10, stock, tonumber(seq), outcome, 0)
      end
    else
      local code = saleCode
      local count = 0
      if not code then
        count = tonumber(redis.call('HGET', KEYS[2], user) or '0')
        if count >= limit then
          code = 3
        elseif stock <= 0 then
          -- A segment of a split sale that ran out answers 13 (segment empty, not recorded): the ingress
          -- borrows stock from the other segments and grabs again, or settles SOLD_OUT when none is left.
          code = sale[8] and 13 or 2
        end
      end
      if code == 4 or code == 12 or code == 13 then
        -- Nothing was decided: not recorded.
        answer(code, stock, 0, '', 0)
      elseif code then
        -- A definitive refusal: recorded for the request id, if there is one, then answered.
        if request then
          redis.call('HSET', KEYS[5], request, '!' .. code)
        end
        answer(code, math.max(stock, 0), count, '', 0)
      else
        stock = stock - 1
        local seq = count + 1
        redis.call('HSET', KEYS[2], user, seq)
        redis.call('HSET', KEYS[3], sn, user .. ':' .. seq .. ':' .. grantedAt)
        if request then
          redis.call('HSET', KEYS[5], request, sn)
        end
        granted[#granted + 1] = sn .. ':' .. user .. ':' .. seq .. ':' .. grantedAt .. ':' .. rid
        answer(1, stock, seq, sn, 0)
      end
    end
  end
end
if stock ~= tonumber(sale[5]) then
  redis.call('HSET', KEYS[1], 'stock', stock)
end
if #granted > 0 then
  redis.call('HSET', KEYS[6], ARGV[1], ARGV[2] .. ':' .. ARGV[3] .. '\n' .. table.concat(granted, '\n'))
end
return out
