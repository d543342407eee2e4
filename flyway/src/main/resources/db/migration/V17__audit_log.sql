-- The operators' audit trail (core/audit/AuditLog): one row per mutating admin call, done or
-- refused, and per lifecycle change the service made to a sale itself (actor 'system'). Rows are
-- only ever inserted. actor_name is the admin token's configured name, never the token. before_state
-- and after_state hold JSON text (TEXT, not JSON: the same on MariaDB 10.11 and MySQL 8).
-- Listed newest first by id; the secondary keys serve the filters of GET /api/v1/audit.
CREATE TABLE audit_log (
    id           BIGINT        NOT NULL AUTO_INCREMENT,
    at_ms        BIGINT        NOT NULL COMMENT 'when, UTC epoch millis',
    actor_name   VARCHAR(64)   NOT NULL COMMENT 'token name, or system',
    actor_role   VARCHAR(16)   NOT NULL COMMENT 'read, operate or system',
    action       VARCHAR(64)   NOT NULL COMMENT 'e.g. activity.start, template.update',
    target_type  VARCHAR(32)   NOT NULL COMMENT 'activity, template, grant_conflict',
    target_id    VARCHAR(64)   NULL     COMMENT 'NULL when a create was refused before an id existed',
    request_id   VARCHAR(128)  NOT NULL COMMENT 'X-Request-Id given, or generated and answered',
    outcome      VARCHAR(16)   NOT NULL COMMENT 'DONE or REFUSED',
    http_status  INT           NULL     COMMENT 'the answer''s status (NULL for system changes)',
    reason       VARCHAR(1000) NULL     COMMENT 'why it was refused, or what the system did',
    before_state MEDIUMTEXT    NULL,
    after_state  MEDIUMTEXT    NULL,
    PRIMARY KEY (id),
    KEY idx_audit_at (at_ms),
    KEY idx_audit_actor (actor_name, id),
    KEY idx_audit_action (action, id),
    KEY idx_audit_target (target_type, target_id, id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4;
