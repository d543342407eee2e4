-- The grab path rebuilt (issue 12). Portable to MySQL 8 and MariaDB 10.11.

-- A grant the user_coupons sink could not write because the table already holds another grant under
-- its (activity_id, user_id, seq) or under its coupon_sn. Recorded in the same transaction as the
-- batch that met it, so its message is acknowledged only once the conflict is durable; reported by
-- reconciliation until an operator resolves it. Never deleted by the service.
CREATE TABLE grant_conflicts (
    id                 BIGINT       NOT NULL AUTO_INCREMENT,
    activity_id        BIGINT       NOT NULL COMMENT 'the incoming grant''s flash sale',
    user_id            BIGINT       NOT NULL COMMENT 'the incoming grant''s owner',
    seq                INT          NOT NULL COMMENT 'the incoming grant''s n-th coupon of the user',
    coupon_sn          VARCHAR(32)  NOT NULL COMMENT 'the incoming grant, not written',
    existing_coupon_sn VARCHAR(32)  NOT NULL COMMENT 'the user_coupons row in its way; = coupon_sn when the serial is another grant''s',
    detected_at_ms     BIGINT       NOT NULL COMMENT 'when the sink met it (epoch ms)',
    resolved_at_ms     BIGINT       NULL COMMENT 'when an operator marked it resolved; NULL = open',
    resolution         VARCHAR(500) NULL COMMENT 'what the operator did about it',
    PRIMARY KEY (id),
    -- one record per grant: a redelivered message finds its conflict recorded and adds nothing
    UNIQUE KEY uk_grant (coupon_sn, activity_id, user_id, seq),
    KEY idx_activity_open (activity_id, resolved_at_ms)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4;

-- The client's idempotency key of a flash-sale grant (CouponGrabbed.request_id), so a retry can be
-- answered from MySQL once Redis no longer holds the sale. NULL when the client sent none.
ALTER TABLE user_coupons ADD COLUMN request_id VARCHAR(64) NULL COMMENT 'CouponGrabbed.request_id';
ALTER TABLE user_coupons ADD KEY idx_activity_user_request (activity_id, user_id, request_id);
