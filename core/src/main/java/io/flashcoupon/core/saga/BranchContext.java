package io.flashcoupon.core.saga;

import io.flashcoupon.core.InvalidInputException;

/**
 * Who is calling a Saga branch, as DTM says it: query parameters in HTTP mode, metadata in gRPC
 * mode. Only Saga is supported: op is {@code action} or {@code compensate}.
 */
public record BranchContext(String transType, String gid, String branchId, String op) {
    public static final String ACTION = "action";
    public static final String COMPENSATE = "compensate";
    /** DTM numbers the barriers of one branch call from 01; each branch here takes exactly one. */
    static final String BARRIER_ID = "01";

    /** Validates what DTM sent; a missing or unknown value is an {@link InvalidInputException} naming it. */
    public static BranchContext of(String transType, String gid, String branchId, String op) {
        require("trans_type", transType, 45);
        require("gid", gid, 128);
        require("branch_id", branchId, 128);
        require("op", op, 45);
        if (!"saga".equals(transType)) {
            throw new InvalidInputException("trans_type", "only saga branches are served, got '" + transType + "'");
        }
        if (!ACTION.equals(op) && !COMPENSATE.equals(op)) {
            throw new InvalidInputException("op", "must be action or compensate, got '" + op + "'");
        }
        return new BranchContext(transType, gid, branchId, op);
    }

    public boolean compensation() {
        return COMPENSATE.equals(op);
    }

    private static void require(String field, String value, int max) {
        if (value == null || value.isBlank()) {
            throw new InvalidInputException(field, "is required (the DTM server sends it)");
        }
        if (value.length() > max) {
            throw new InvalidInputException(field, "must be at most " + max + " characters");
        }
    }
}
