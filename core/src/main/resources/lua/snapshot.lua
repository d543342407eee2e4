-- A sale's figures read atomically, so no grab lands between the stock and the ledger size
-- (remaining + granted == total at every instant the page or an API client looks).
-- KEYS: sale, ledger. Returns {status|false, stock|false, total|false, ledger size}.
local sale = redis.call('HMGET', KEYS[1], 'status', 'stock', 'total')
return {sale[1], sale[2], sale[3], redis.call('HLEN', KEYS[2])}
