-- Releases a lock held by a token (SaleSegments' borrow lock, Registry.borrowLockKey): KEYS[1] the lock,
-- ARGV[1] the token that took it. Deletes it only while that token holds it (a lock that expired and was
-- taken by another borrower is left alone). Returns 1 when released, 0 otherwise.
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
