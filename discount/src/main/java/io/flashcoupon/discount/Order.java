package io.flashcoupon.discount;

import io.flashcoupon.discount.DiscountException.Problem;
import java.util.List;

/**
 * An order to discount: its lines (indexed from 0 in the given order) and a shipping fee. Built only
 * when valid: at least one line, positive quantities, prices and shipping not negative, and every
 * amount, the goods subtotal and the total fit in a long (checked with exact arithmetic), so the
 * engine can add amounts without further checks.
 */
public record Order(List<OrderLine> lines, long shippingFeeCents) {

    public Order {
        if (lines == null || lines.isEmpty()) {
            throw new DiscountException(Problem.EMPTY_ORDER, "order has no lines");
        }
        lines = List.copyOf(lines);
        if (shippingFeeCents < 0) {
            throw new DiscountException(Problem.NEGATIVE_AMOUNT,
                    "shipping fee must not be negative, was " + shippingFeeCents);
        }
        long goods = 0;
        for (int i = 0; i < lines.size(); i++) {
            OrderLine l = lines.get(i);
            if (l.quantity() <= 0) {
                throw new DiscountException(Problem.NEGATIVE_AMOUNT,
                        "line " + i + ": quantity must be positive, was " + l.quantity());
            }
            if (l.unitPriceCents() < 0) {
                throw new DiscountException(Problem.NEGATIVE_AMOUNT,
                        "line " + i + ": unit price must not be negative, was " + l.unitPriceCents());
            }
            long amount;
            try {
                amount = l.amountCents();
            } catch (DiscountException e) {
                throw new DiscountException(Problem.OVERFLOW, "line " + i + ": " + e.getMessage());
            }
            goods = addExact(goods, amount, "goods subtotal");
        }
        addExact(goods, shippingFeeCents, "order total");
    }

    public static Order of(long shippingFeeCents, OrderLine... lines) {
        return new Order(List.of(lines), shippingFeeCents);
    }

    /** Sum of the line amounts. */
    public long goodsCents() {
        long sum = 0;
        for (OrderLine l : lines) {
            sum += l.amountCents();
        }
        return sum;
    }

    /** Goods subtotal plus shipping. */
    public long originalCents() {
        return goodsCents() + shippingFeeCents;
    }

    private static long addExact(long a, long b, String what) {
        try {
            return Math.addExact(a, b);
        } catch (ArithmeticException e) {
            throw new DiscountException(Problem.OVERFLOW, what + " overflows a long number of cents");
        }
    }
}
