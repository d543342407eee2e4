package io.flashcoupon.core.sale;

import io.flashcoupon.core.ConflictException;
import io.flashcoupon.core.NotFoundException;
import io.flashcoupon.core.activity.Activity;
import io.flashcoupon.core.activity.ActivityRepository;
import io.flashcoupon.core.activity.ActivityStatus;
import io.flashcoupon.core.template.Template;
import io.flashcoupon.core.template.TemplateRepository;
import io.flashcoupon.core.template.TemplateStatus;
import io.flashcoupon.core.wallet.UserCouponRepository;
import java.time.Clock;

/**
 * Operator actions on a flash sale shared by the gRPC and REST front ends: start and status.
 *
 * <p>Start copies stock, window and per-user limit into Redis exactly once; a sale already in
 * Redis is never re-seeded (a start interrupted between Redis and MySQL completes the MySQL side
 * on retry). A second start of a started sale is refused.
 */
public final class FlashSales {
    private final ActivityRepository activities;
    private final TemplateRepository templates;
    private final UserCouponRepository coupons;
    private final SaleStore store;
    private final Clock clock;

    public FlashSales(ActivityRepository activities, TemplateRepository templates, UserCouponRepository coupons,
            SaleStore store, Clock clock) {
        this.activities = activities;
        this.templates = templates;
        this.coupons = coupons;
        this.store = store;
        this.clock = clock;
    }

    /** Starts a PENDING activity; NotFoundException / ConflictException otherwise. */
    public Activity start(long activityId) {
        Activity activity = activities.find(activityId)
                .orElseThrow(() -> new NotFoundException("activity " + activityId + " does not exist"));
        if (activity.status() != ActivityStatus.PENDING) {
            throw new ConflictException("activity " + activityId + " was already started (status "
                    + activity.status() + ")");
        }
        Template template = templates.find(activity.templateId())
                .orElseThrow(() -> new ConflictException("template " + activity.templateId() + " of activity "
                        + activityId + " does not exist"));
        if (template.status() != TemplateStatus.PUBLISHED) {
            throw new ConflictException("template " + template.id() + " is " + template.status()
                    + "; only PUBLISHED templates can be sold");
        }
        if (!activity.endTime().isAfter(clock.instant())) {
            throw new ConflictException("activity " + activityId + " ended at " + activity.endTime()
                    + "; its window is over");
        }
        store.start(activity);
        if (!activities.transition(activityId, ActivityStatus.PENDING, ActivityStatus.ACTIVE)) {
            throw new ConflictException("activity " + activityId + " was started concurrently");
        }
        return activities.find(activityId).orElseThrow();
    }

    /** Live figures: MySQL activity, Redis stock and ledger, materialized rows. */
    public SaleStatus status(long activityId) {
        Activity activity = activities.find(activityId)
                .orElseThrow(() -> new NotFoundException("activity " + activityId + " does not exist"));
        SaleStore.SaleSnapshot snapshot = store.snapshot(activityId);
        long rows = coupons.countByActivity(activityId);
        return new SaleStatus(activity, snapshot.exists() ? snapshot.remaining() : null,
                snapshot.ledgerSize(), rows);
    }

    /**
     * A sale's figures. remaining is null before the sale is in Redis. granted counts ledger
     * entries; materialized counts user_coupons rows (equal to granted once the topology caught up).
     */
    public record SaleStatus(Activity activity, Long remaining, long granted, long materialized) {}
}
