-- The latest reconciliation report of each flash sale (issue 3), and when its sale was cleaned out
-- of Redis. Portable to MySQL 8 and MariaDB 10.11. The report is JSON text (lists capped at 100
-- items), stored as MEDIUMTEXT because MariaDB's JSON type is only an alias.
CREATE TABLE reconciliation_reports (
    activity_id   BIGINT     NOT NULL,
    ran_at_ms     BIGINT     NOT NULL COMMENT 'when the run read Redis and MySQL (epoch ms)',
    complete      TINYINT    NOT NULL COMMENT '1 = everything matched and nothing was pending',
    report        MEDIUMTEXT NOT NULL COMMENT 'the report as JSON (snake_case)',
    cleaned_at_ms BIGINT     NULL COMMENT 'set when cleanup removed the sale from Redis (epoch ms)',
    updated_at    TIMESTAMP  NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
    PRIMARY KEY (activity_id),
    KEY idx_cleaned (cleaned_at_ms),
    CONSTRAINT fk_reconciliation_activity FOREIGN KEY (activity_id) REFERENCES flash_sale_activities (id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4;
