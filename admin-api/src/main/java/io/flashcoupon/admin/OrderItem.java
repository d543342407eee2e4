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

    /** One error per missing or incomplete line, on field {@code items[i]}; empty when all are complete. */
    static List<FieldError> problems(List<OrderItem> items) {
        List<FieldError> errors = new ArrayList<>();
        for (int i = 0; i < items.size(); i++) {
            OrderItem it = items.get(i);
            if (it == null || it.goodsId == null || it.categoryId == null || it.quantity == null
                    || it.unitPriceCents == null) {
                errors.add(new FieldError("items[" + i + "]", "needs goods_id, category_id, quantity and unit_price_cents"));
            }
        }
        return errors;
    }

    /** The lines of complete items (see {@link #problems}). */
    static List<OrderLine> lines(List<OrderItem> items) {
        return items.stream().map(i -> new OrderLine(i.goodsId, i.categoryId, i.quantity, i.unitPriceCents)).toList();
    }
}
