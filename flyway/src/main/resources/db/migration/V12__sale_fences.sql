-- What the fence checker (core/reconcile/SaleFence) knows of each live sale's Redis, durably:
-- the Redis run id it last verified the sale on, and the fence while a heal re-applies MySQL's rows
-- (fenced_at_ms not NULL = fenced, so a Redis that lost the fence flag too is fenced again first),
-- and what the latest heal did (reported by reconciliation's `healed` section).
CREATE TABLE sale_fences (
    activity_id    BIGINT      NOT NULL,
    redis_run_id   VARCHAR(64) NULL COMMENT 'Redis run_id the sale was last verified on',
    fenced_at_ms   BIGINT      NULL COMMENT 'set while fenced (heal not finished)',
    reason         VARCHAR(32) NULL COMMENT 'why the latest fence was raised',
    healed_at_ms   BIGINT      NULL COMMENT 'when the latest heal finished',
    last_fenced_ms BIGINT      NULL COMMENT 'when the latest finished heal had been fenced',
    sns_readded    BIGINT      NOT NULL DEFAULT 0 COMMENT 'rows re-added to the ledger by the latest heal',
    oversold_by    BIGINT      NOT NULL DEFAULT 0 COMMENT 'ledger size - total after the latest heal, when > 0',
    heals          INT         NOT NULL DEFAULT 0 COMMENT 'finished heals of this sale',
    PRIMARY KEY (activity_id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4;
