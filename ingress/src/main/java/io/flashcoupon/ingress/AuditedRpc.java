package io.flashcoupon.ingress;

/**
 * The operators' RPCs as the audit trail records them: the same action and target names as the
 * admin REST API's routes (activity.start, template.create, template.update), so one query of
 * GET /api/v1/audit finds a change whichever way it came.
 */
enum AuditedRpc {
    START_FLASH_SALE("StartFlashSale", "activity.start", "activity"),
    CREATE_TEMPLATE("CreateCouponTemplate", "template.create", "template"),
    UPDATE_TEMPLATE("UpdateCouponTemplate", "template.update", "template");

    private final String rpcName;
    private final String action;
    private final String targetType;

    AuditedRpc(String rpcName, String action, String targetType) {
        this.rpcName = rpcName;
        this.action = action;
        this.targetType = targetType;
    }

    String rpcName() {
        return rpcName;
    }

    String action() {
        return action;
    }

    String targetType() {
        return targetType;
    }
}
