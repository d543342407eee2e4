-- Saga hardening (issue 15): a lock or use belongs to the Saga branch that made it, not to the order
-- number, so a stale Saga's compensation cannot undo a newer Saga's lock on the same order; event ids
-- fit DTM's longest gid and branch id. Portable to MySQL 8 and MariaDB 10.11.

-- The DTM branch that moved the coupon to LOCKED (the lock's) or USED (the use's); NULL otherwise.
-- Sizes are DTM's own (trans_branch_op.gid / branch_id). Coupons locked or used before this
-- migration have none: their compensations find nothing to undo and the lock-expiry job releases
-- their locks at the deadline (drain running Sagas before deploying).
ALTER TABLE user_coupons
    ADD COLUMN saga_gid VARCHAR(128) NULL COMMENT 'DTM gid of the branch holding the coupon (LOCKED/USED)',
    ADD COLUMN saga_branch_id VARCHAR(128) NULL COMMENT 'DTM branch_id of the branch holding the coupon';

-- The longest lifecycle event id: "reverted-" + 20-digit coupon id + "-" + 128-char gid + "-"
-- + 128-char branch id + "-compensate" = 298 characters (LifecycleEvents.MAX_EVENT_ID_CHARS).
ALTER TABLE coupon_outbox MODIFY event_id VARCHAR(320) NOT NULL COMMENT 'CouponEvent.event_id, unique';
