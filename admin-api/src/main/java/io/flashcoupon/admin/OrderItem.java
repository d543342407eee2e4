package io.flashcoupon.admin;

import io.flashcoupon.core.FieldError;
import io.flashcoupon.discount.OrderLine;
import java.util.ArrayList;
import java.util.List;

/**
 * One order line as the order routes and the DTM use branch read it:
 * {"goods_id","category_id","quantity","unit_price_cents"}, every field required.
 */
record OrderItem(Long goodsId, Long categoryId, Integer quantity, Long unitPriceCents) {
    /**
     * Bounds openapi.json states: MAX_LINES lines of MAX_QUANTITY x MAX_UNIT_PRICE_CENTS stay inside a
     * long number of cents (1e18 < 9.2e18), so a request the schema allows never overflows into a 400.
     */
    static final int MAX_LINES = 100;
    static final int MAX_QUANTITY = 1_000_000;
    static final long MAX_UNIT_PRICE_CENTS = 10_000_000_000L;
    static final long MAX_SHIPPING_FEE_CENTS = 1_000_000_000_000L;

    /** One error per missing or incomplete line, on field {@code items[i]}; empty when all are complete. */
    static List<FieldError> problems(List<OrderItem> items) {
        List<FieldError> errors = new ArrayList<>();
        if (items.size() > MAX_LINES) {
            errors.add(new FieldError("items", "must list at most " + MAX_LINES + " lines"));
            return errors;
        }
        for (int i = 0; i < items.size(); i++) {
            OrderItem it = items.get(i);
            if (it == null || it.goodsId == null || it.categoryId == null || it.quantity == null
                    || it.unitPriceCents == null) {
                errors.add(new FieldError("items[" + i + "]", "needs goods_id, category_id, quantity and unit_price_cents"));
            } else if (it.goodsId <= 0 || it.categoryId <= 0) {
                errors.add(new FieldError("items[" + i + "]", "goods_id and category_id must be positive"));
            } else if (it.quantity < 1 || it.quantity > MAX_QUANTITY) {
                errors.add(new FieldError("items[" + i + "].quantity", "must be between 1 and " + MAX_QUANTITY));
            } else if (it.unitPriceCents < 0 || it.unitPriceCents > MAX_UNIT_PRICE_CENTS) {
                errors.add(new FieldError("items[" + i + "].unit_price_cents", "must be between 0 and " + MAX_UNIT_PRICE_CENTS));
            }
        }
        return errors;
    }

    /** The lines of complete items (see {@link #problems}). */
    static List<OrderLine> lines(List<OrderItem> items) {
        return items.stream().map(i -> new OrderLine(i.goodsId, i.categoryId, i.quantity, i.unitPriceCents)).toList();
    }
}
