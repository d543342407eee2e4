-- Terms frozen at grant (issue 15): a template edit makes a new version of its terms, kept for ever;
-- a flash sale sells the version current when it started; each coupon keeps the version it was
-- granted with and is priced by it. Portable to MySQL 8 and MariaDB 10.11.

-- The template's current version: 1 when created, +1 on every edit (TemplateRepository, in the
-- edit's transaction).
ALTER TABLE coupon_templates
    ADD COLUMN version INT NOT NULL DEFAULT 1 COMMENT 'current version of the terms, +1 on every edit';

-- Every version of every template, written in the transaction that created or edited the template,
-- never updated or deleted (no foreign key: the history outlives the template row). Same columns as
-- coupon_templates, stacking rules (V15) included: what the template was at that version.
CREATE TABLE coupon_template_versions (
    template_id           BIGINT       NOT NULL,
    version               INT          NOT NULL,
    name                  VARCHAR(100) NOT NULL,
    type                  TINYINT      NOT NULL,
    discount_amount_cents BIGINT       NOT NULL,
    discount_bps          INT          NOT NULL,
    min_amount_cents      BIGINT       NOT NULL,
    max_discount_cents    BIGINT       NULL,
    total_count           INT          NOT NULL,
    per_user_limit        INT          NOT NULL,
    valid_start_time      DATETIME     NULL,
    valid_end_time        DATETIME     NULL,
    valid_days            INT          NULL,
    applicable_goods      TEXT         NULL,
    applicable_categories TEXT         NULL,
    excluded_goods        TEXT         NULL,
    excluded_categories   TEXT         NULL,
    status                TINYINT      NOT NULL,
    stack_exclusive       TINYINT      NOT NULL DEFAULT 0,
    stack_max_per_order   INT          NOT NULL DEFAULT 1,
    stack_combines_with   VARCHAR(40)  NULL,
    min_payable_cents     BIGINT       NOT NULL DEFAULT 0,
    created_at            TIMESTAMP    NOT NULL DEFAULT CURRENT_TIMESTAMP COMMENT 'when this version was made',
    PRIMARY KEY (template_id, version)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4;

-- Existing templates: their terms as they are now become version 1.
INSERT INTO coupon_template_versions (template_id, version, name, type, discount_amount_cents, discount_bps,
    min_amount_cents, max_discount_cents, total_count, per_user_limit, valid_start_time, valid_end_time, valid_days,
    applicable_goods, applicable_categories, excluded_goods, excluded_categories, status, stack_exclusive,
    stack_max_per_order, stack_combines_with, min_payable_cents)
SELECT id, 1, name, type, discount_amount_cents, discount_bps, min_amount_cents, max_discount_cents, total_count,
    per_user_limit, valid_start_time, valid_end_time, valid_days, applicable_goods, applicable_categories,
    excluded_goods, excluded_categories, status, stack_exclusive, stack_max_per_order, stack_combines_with,
    min_payable_cents
FROM coupon_templates;

-- The version a sale sells, pinned when it starts (FlashSales.start, before Redis is seeded) and
-- never changed after; NULL while PENDING. Sales started before this migration sell version 1.
ALTER TABLE flash_sale_activities
    ADD COLUMN template_version INT NULL COMMENT 'terms version the sale sells, pinned at start';
UPDATE flash_sale_activities SET template_version = 1 WHERE status <> 1;

-- The version a coupon was granted with (its sale's pinned version, written by the sink). Coupons
-- granted before this migration keep version 1: the terms as they were at the migration.
ALTER TABLE user_coupons
    ADD COLUMN template_version INT NOT NULL DEFAULT 1 COMMENT 'terms version it was granted with';
