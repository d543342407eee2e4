-- Stacking rules a merchant sets per template (issue 15; docs/discounts.md). The defaults keep
-- existing templates as they were, except that a template's coupons no longer stack with each
-- other: at most max_per_order coupons of one template on an order (default 1).
ALTER TABLE coupon_templates
    ADD COLUMN stack_exclusive     TINYINT     NOT NULL DEFAULT 0 COMMENT '1 = applied alone, never combined',
    ADD COLUMN stack_max_per_order INT         NOT NULL DEFAULT 1 COMMENT 'coupons of this template one order may carry',
    ADD COLUMN stack_combines_with VARCHAR(40) NULL COMMENT 'comma-separated stacking classes (AMOUNT,PERCENT,SHIPPING) it combines with; NULL = all',
    ADD COLUMN min_payable_cents   BIGINT      NOT NULL DEFAULT 0 COMMENT 'floor on what the order still costs when applied';
