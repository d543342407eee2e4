-- A hot sale may be split into segments, each a sub-sale on its own Redis slot (SaleSegments).
-- segments is fixed when the activity is created; 1 is the one-slot sale every activity was before.
ALTER TABLE flash_sale_activities
    ADD COLUMN segments TINYINT UNSIGNED NOT NULL DEFAULT 1 COMMENT 'Redis segments the stock is split over';

-- The fence checker verifies a segmented sale on the run ids of every segment's master, joined.
ALTER TABLE sale_fences
    MODIFY COLUMN redis_run_id VARCHAR(1100) NULL COMMENT 'Redis run_id(s) the sale was last verified on';
