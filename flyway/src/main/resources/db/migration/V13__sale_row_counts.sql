-- Rows of each flash sale in user_coupons, kept by the user_coupons sink in the same transaction as the
-- rows it inserts (only rows actually inserted, never a redelivered or conflicting grant), so the admin
-- status reads one row instead of a COUNT(*) over the sale's coupons (issue 13). The rows that exist
-- when this runs are counted once here.
CREATE TABLE sale_row_counts (
    activity_id  BIGINT NOT NULL,
    materialized BIGINT NOT NULL DEFAULT 0 COMMENT 'user_coupons rows of this sale the sink inserted',
    PRIMARY KEY (activity_id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4;

INSERT INTO sale_row_counts (activity_id, materialized)
SELECT activity_id, COUNT(*) FROM user_coupons WHERE activity_id IS NOT NULL GROUP BY activity_id;
