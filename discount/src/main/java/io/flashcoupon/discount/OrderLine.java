package io.flashcoupon.discount;

/**
 * One order line as the engine sees it. Quantity must be positive and the unit price must not be
 * negative; {@link Order} checks both and that quantity x unit price fits in a long.
 */
public record OrderLine(long goodsId, long categoryId, int quantity, long unitPriceCents) {

    /** quantity x unit price; throws {@link DiscountException} (OVERFLOW) when it does not fit. */
    public long amountCents() {
        try {
            return Math.multiplyExact(quantity, unitPriceCents);
        } catch (ArithmeticException e) {
            throw new DiscountException(DiscountException.Problem.OVERFLOW,
                    "line amount overflows: quantity " + quantity + " x unit price " + unitPriceCents + " cents");
        }
    }
}
