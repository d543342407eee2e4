package io.flashcoupon.ingress.admission;

/** A grab refused before it touched Redis or the broker because of load limits (RESOURCE_EXHAUSTED). */
public final class AdmissionRejectedException extends RuntimeException {
    /** Why admission refused; also the label of the rejection metric. */
    public enum Reason { USER_RATE, IP_RATE, IN_FLIGHT }

    private final Reason reason;

    public AdmissionRejectedException(Reason reason, String message) {
        super(message, null, false, false);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
