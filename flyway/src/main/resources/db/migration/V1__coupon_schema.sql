-- The coupon service schema. Portable to MySQL 8 and MariaDB 10.11: no engine-specific syntax.
-- Money is BIGINT cents, percentages are INT basis points. Times the service compares are
-- DATETIME (second precision, UTC); sub-second ordering is carried by coupon_sn.

CREATE TABLE coupon_templates (
    id                    BIGINT       NOT NULL AUTO_INCREMENT,
    name                  VARCHAR(100) NOT NULL,
    type                  TINYINT      NOT NULL COMMENT '1 full-cut, 2 percent off, 3 free shipping',
    discount_amount_cents BIGINT       NOT NULL DEFAULT 0 COMMENT 'full-cut amount',
    discount_bps          INT          NOT NULL DEFAULT 0 COMMENT 'percent off in basis points',
    min_amount_cents      BIGINT       NOT NULL DEFAULT 0 COMMENT 'threshold on the eligible subtotal',
    max_discount_cents    BIGINT       NULL COMMENT 'cap for percent off / free shipping',
    total_count           INT          NOT NULL,
    used_count            INT          NOT NULL DEFAULT 0,
    per_user_limit        INT          NOT NULL DEFAULT 1,
    valid_start_time      DATETIME     NULL COMMENT 'absolute validity start (with valid_end_time)',
    valid_end_time        DATETIME     NULL COMMENT 'absolute validity end, exclusive',
    valid_days            INT          NULL COMMENT 'relative validity: days after obtaining',
    applicable_goods      TEXT         NULL COMMENT 'JSON array of goods ids; NULL = all',
    applicable_categories TEXT         NULL COMMENT 'JSON array of category ids; NULL = all',
    excluded_goods        TEXT         NULL COMMENT 'JSON array of goods ids',
    excluded_categories   TEXT         NULL COMMENT 'JSON array of category ids',
    status                TINYINT      NOT NULL DEFAULT 2 COMMENT '1 draft, 2 published, 3 disabled',
    created_at            TIMESTAMP    NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at            TIMESTAMP    NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
    PRIMARY KEY (id),
    KEY idx_status (status),
    KEY idx_type (type)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4;

CREATE TABLE flash_sale_activities (
    id             BIGINT       NOT NULL AUTO_INCREMENT,
    coupon_id      BIGINT       NOT NULL COMMENT 'template id',
    name           VARCHAR(100) NOT NULL,
    total_count    INT          NOT NULL,
    success_count  INT          NOT NULL DEFAULT 0,
    start_time     DATETIME     NOT NULL,
    end_time       DATETIME     NOT NULL,
    per_user_limit INT          NOT NULL DEFAULT 1,
    status         TINYINT      NOT NULL DEFAULT 1 COMMENT '1 pending, 2 active, 3 paused, 4 ended',
    created_at     TIMESTAMP    NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at     TIMESTAMP    NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
    PRIMARY KEY (id),
    KEY idx_coupon_id (coupon_id),
    KEY idx_time (start_time, end_time),
    KEY idx_status (status),
    CONSTRAINT fk_activity_template FOREIGN KEY (coupon_id) REFERENCES coupon_templates (id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4;

-- One row per coupon a user holds. A flash-sale grant is keyed twice so MySQL itself refuses a
-- double grant: by its serial number, and by (activity, user, n-th grant of that user).
CREATE TABLE user_coupons (
    id               BIGINT      NOT NULL AUTO_INCREMENT,
    coupon_id        BIGINT      NOT NULL COMMENT 'template id',
    activity_id      BIGINT      NULL COMMENT 'flash sale it was won in',
    seq              INT         NOT NULL DEFAULT 1 COMMENT 'the user''s n-th coupon of the activity',
    user_id          BIGINT      NOT NULL,
    coupon_sn        VARCHAR(32) NOT NULL,
    status           TINYINT     NOT NULL DEFAULT 1 COMMENT '1 unused, 2 locked, 3 used, 4 expired',
    obtain_time      DATETIME    NOT NULL,
    granted_at_ms    BIGINT      NOT NULL COMMENT 'grant instant as epoch millis (ingress clock)',
    used_time        DATETIME    NULL,
    order_sn         VARCHAR(64) NULL,
    lock_deadline    DATETIME    NULL,
    valid_start_time DATETIME    NOT NULL,
    valid_end_time   DATETIME    NOT NULL,
    created_at       TIMESTAMP   NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at       TIMESTAMP   NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
    PRIMARY KEY (id),
    UNIQUE KEY uk_coupon_sn (coupon_sn),
    UNIQUE KEY uk_activity_user_seq (activity_id, user_id, seq),
    KEY idx_user_status (user_id, status),
    KEY idx_coupon_id (coupon_id),
    KEY idx_valid_time (valid_start_time, valid_end_time),
    CONSTRAINT fk_user_coupon_template FOREIGN KEY (coupon_id) REFERENCES coupon_templates (id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4;

CREATE TABLE coupon_usage_logs (
    id              BIGINT      NOT NULL AUTO_INCREMENT,
    user_coupon_id  BIGINT      NOT NULL,
    user_id         BIGINT      NOT NULL,
    order_sn        VARCHAR(64) NOT NULL,
    original_cents  BIGINT      NOT NULL,
    discount_cents  BIGINT      NOT NULL,
    final_cents     BIGINT      NOT NULL,
    allocation      TEXT        NULL COMMENT 'JSON per-line allocation of the discount',
    reverted        TINYINT     NOT NULL DEFAULT 0,
    reverted_time   DATETIME    NULL,
    used_time       DATETIME    NOT NULL,
    created_at      TIMESTAMP   NOT NULL DEFAULT CURRENT_TIMESTAMP,
    PRIMARY KEY (id),
    KEY idx_user_id (user_id),
    KEY idx_order_sn (order_sn),
    KEY idx_used_time (used_time),
    CONSTRAINT fk_usage_user_coupon FOREIGN KEY (user_coupon_id) REFERENCES user_coupons (id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4;

-- DTM's sub-transaction barrier (DTM's dtmcli.barrier.mysql.sql), in the service's own schema so
-- a branch's barrier row commits in the same local transaction as its status change.
CREATE TABLE barrier (
    id          BIGINT       NOT NULL AUTO_INCREMENT,
    trans_type  VARCHAR(45)  DEFAULT '',
    gid         VARCHAR(128) DEFAULT '',
    branch_id   VARCHAR(128) DEFAULT '',
    op          VARCHAR(45)  DEFAULT '',
    barrier_id  VARCHAR(45)  DEFAULT '',
    reason      VARCHAR(45)  DEFAULT '' COMMENT 'the branch type who insert this record',
    create_time DATETIME     DEFAULT CURRENT_TIMESTAMP,
    update_time DATETIME     DEFAULT CURRENT_TIMESTAMP,
    PRIMARY KEY (id),
    UNIQUE KEY uk_barrier (gid, branch_id, op, barrier_id),
    KEY idx_create_time (create_time),
    KEY idx_update_time (update_time)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4;
