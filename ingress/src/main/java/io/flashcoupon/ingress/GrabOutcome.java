package io.flashcoupon.ingress;

import io.flashcoupon.core.activity.Activity;
import io.flashcoupon.core.sale.GrabCode;

/** What a grab came to: its code, the coupon_sn when granted, stock left and the user's seq. */
public record GrabOutcome(Activity activity, GrabCode code, String couponSn, long remaining, int seq) {}
