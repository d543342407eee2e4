-- Row creation time with milliseconds, set by the server (not the driver): the materialization lag
-- (grant -> row) is measured as created_at - granted_at_ms and must be readable below one second.
ALTER TABLE user_coupons MODIFY created_at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3);
