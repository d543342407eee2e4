-- Paying with coupons (issue 5): what the Saga branches, the expiry jobs and the event outbox need.
-- Portable to MySQL 8 and MariaDB 10.11.

-- The jobs look for locks past their deadline and unused coupons past their validity.
ALTER TABLE user_coupons ADD KEY idx_status_lock_deadline (status, lock_deadline);
ALTER TABLE user_coupons ADD KEY idx_status_valid_end (status, valid_end_time);

-- A usage log names the global transaction that wrote it and keeps the shipping part apart.
ALTER TABLE coupon_usage_logs ADD COLUMN gid VARCHAR(128) NULL COMMENT 'DTM global transaction id';
ALTER TABLE coupon_usage_logs ADD COLUMN shipping_discount_cents BIGINT NOT NULL DEFAULT 0;
ALTER TABLE coupon_usage_logs ADD KEY idx_user_coupon (user_coupon_id, reverted);

-- Lifecycle events written in the same local transaction as the state change they describe, then
-- relayed to coupon-events (at least once; consumers deduplicate on event_id).
CREATE TABLE coupon_outbox (
    id             BIGINT       NOT NULL AUTO_INCREMENT,
    event_id       VARCHAR(200) NOT NULL COMMENT 'CouponEvent.event_id, unique',
    event_type     VARCHAR(32)  NOT NULL COMMENT 'message tag, e.g. CouponLocked',
    message_key    VARCHAR(64)  NOT NULL COMMENT 'message key: the coupon_sn',
    body           BLOB         NOT NULL COMMENT 'serialized coupon.v1.CouponEvent',
    created_at_ms  BIGINT       NOT NULL,
    relay_owner    VARCHAR(100) NULL COMMENT 'relay instance that claimed the row',
    relay_until_ms BIGINT       NULL COMMENT 'claim expiry; another relay may take the row after it',
    published_at_ms BIGINT      NULL COMMENT 'when the broker accepted it; NULL = not yet sent',
    PRIMARY KEY (id),
    UNIQUE KEY uk_event_id (event_id),
    KEY idx_pending (published_at_ms, id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4;
