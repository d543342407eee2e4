package io.flashcoupon.core.sale;

import io.flashcoupon.core.ConflictException;
import io.flashcoupon.core.InvalidInputException;
import io.flashcoupon.core.NotFoundException;
import io.flashcoupon.core.activity.Activity;
import io.flashcoupon.core.activity.ActivityRepository;
import io.flashcoupon.core.activity.ActivityStatus;
import io.flashcoupon.core.template.Template;
import io.flashcoupon.core.template.TemplateRepository;
import io.flashcoupon.core.template.TemplateStatus;
import io.flashcoupon.core.wallet.SaleRowCounts;
import java.time.Clock;
import java.util.Locale;
import java.util.function.LongConsumer;

/**
 * Operator actions on a flash sale shared by the gRPC and REST front ends: start, pause, resume,
 * stop, restock and status.
 *
 * <p>Start copies stock, window and per-user limit into Redis exactly once; a sale already in
 * Redis is never re-seeded (a start interrupted between Redis and MySQL completes the MySQL side
 * on retry). A second start of a started sale is refused.
 *
 * <p>Pause, resume, stop and restock need a started, not ended row. They change Redis first, with a
 * script atomic with every grab that judges on the status in Redis (what grabs obey), then make
 * the MySQL row follow what Redis holds by compare-and-set. A retry of an operation interrupted
 * between the two stores finds Redis already changed and completes the MySQL side. ENDED is final
 * in both stores. Stop keeps every Redis key of the sale (ledger included) until an explicit
 * cleanup; nothing gets a TTL. A stopped sale refuses grabs in every instance as soon as stop's
 * script ran (the grab script reads the status); instances' activity caches refuse it locally,
 * without Redis, within activity-cache-ms.
 */
public final class FlashSales {
    /** Compare-and-set rounds before giving up on a row that keeps changing under concurrent operators. */
    private static final int FOLLOW_ATTEMPTS = 10;

    private final ActivityRepository activities;
    private final TemplateRepository templates;
    private final SaleRowCounts rowCounts;
    private final SaleSegments sales;
    private final Clock clock;
    private final LongConsumer stockReturned;
    private final LongConsumer rowWritten;

    /**
     * {@code stockReturned} is told the activity id whenever its sale may have stock again (restock,
     * resume) so this process can drop a local sold-out flag at once. {@code rowWritten} is told it
     * after every write of the activity's MySQL row here - a start, or the row following Redis, also on
     * the way to a refusal - so this process's caches can drop it at once (others learn of it from the
     * binlog).
     */
    public FlashSales(ActivityRepository activities, TemplateRepository templates, SaleRowCounts rowCounts,
            SaleStore store, Clock clock, LongConsumer stockReturned, LongConsumer rowWritten) {
        this.activities = activities;
        this.templates = templates;
        this.rowCounts = rowCounts;
        this.sales = new SaleSegments(store);
        this.clock = clock;
        this.stockReturned = stockReturned;
        this.rowWritten = rowWritten;
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
        // The sale sells the template as it is now; later edits are new versions it does not sell.
        if (activities.pinTerms(activityId).isEmpty()) {
            throw new ConflictException("activity " + activityId + ": the terms of template " + template.id()
                    + " could not be pinned");
        }
        sales.start(activity);
        if (!activities.transition(activityId, ActivityStatus.PENDING, ActivityStatus.ACTIVE)) {
            throw new ConflictException("activity " + activityId + " was started concurrently");
        }
        rowWritten.accept(activityId);
        return activities.find(activityId).orElseThrow();
    }

    /** ACTIVE -> PAUSED: grabs are refused as paused until resumed; nothing else changes. */
    public Activity pause(long activityId) {
        return change(activityId, SaleTransition.PAUSE);
    }

    /** PAUSED -> ACTIVE: grabs are served again. */
    public Activity resume(long activityId) {
        return change(activityId, SaleTransition.RESUME);
    }

    /** ACTIVE or PAUSED -> ENDED, for good: grabs are refused as ended; the ledger stays in Redis. */
    public Activity stop(long activityId) {
        return change(activityId, SaleTransition.STOP);
    }

    /**
     * Adds {@code amount} coupons (1 to {@link Restock#MAX_AMOUNT}) to an ACTIVE or PAUSED sale:
     * Redis total and stock first, then total_count in MySQL. Refused with a ConflictException, and
     * nothing added, when the total in Redis is not the one the row showed (a concurrent restock, or
     * one whose MySQL update was interrupted: the row is brought up to Redis then, and the operator
     * decides again on the true total).
     *
     * <p>{@code op} names this restock: a restock already applied under it - the script replayed by
     * Lettuce after a lost reply, or the operator retrying with the same Idempotency-Key - adds nothing
     * and answers as the first did (the row brought up to Redis), even if the sale was paused or stopped
     * since; the same id with another amount is a 400 on Idempotency-Key. Any row but a PENDING one
     * goes to Redis, which judges the status (what grabs obey).
     */
    public Activity restock(long activityId, long amount, OperationId op) {
        int n = Restock.checkAmount(amount);
        Activity activity = find(activityId);
        Restock.checkStarted(activityId, activity.status());
        Restock.checkNewTotal(activity.totalCount(), n);
        RestockResult r = sales.restock(activity, n, activity.totalCount(), op);
        switch (r.outcome()) {
            case RESTOCKED -> {
                stockReturned.accept(activityId);
                return followRedis(activityId);
            }
            case NOT_IN_REDIS -> {
                if (activity.status() == ActivityStatus.ENDED) {
                    throw new ConflictException(Restock.refusal(activityId, ActivityStatus.ENDED));
                }
                throw notInRedis(activity, "restock");
            }
            case REFUSED_BY_STATUS -> {
                followRedis(activityId);
                throw new ConflictException(Restock.refusal(activityId, r.status()));
            }
            case TOTAL_CHANGED -> {
                followRedis(activityId);
                throw new ConflictException("activity " + activityId + " holds " + r.total()
                        + " coupons in total, not the " + activity.totalCount() + " it showed (a concurrent restock,"
                        + " or an interrupted one now completed); nothing was added: read it and restock again if"
                        + " still wanted");
            }
            case OPERATION_REUSED -> throw new InvalidInputException(OperationId.HEADER, op.value()
                    + " was used for a restock of activity " + activityId + " with another amount; nothing was"
                    + " added: a new restock needs a new key");
            default -> throw new IllegalStateException("unhandled restock outcome " + r.outcome());
        }
    }

    /**
     * Applies {@code t} to a started, not ended sale. The script judges on the status in Redis (what
     * grabs obey) and changes it when {@code t} may leave from there; the row then follows Redis.
     * When Redis already shows the target and the row still shows a status {@code t} leaves from, an
     * earlier attempt stopped between the two stores: this call completes it instead of refusing.
     * Each call is one operation id: a replay of its script (Lettuce, after a lost reply) answers
     * "changed" and never applies it twice over another operator's change in between.
     */
    private Activity change(long activityId, SaleTransition t) {
        Activity row = find(activityId);
        if (row.status() == ActivityStatus.PENDING || row.status() == ActivityStatus.ENDED) {
            throw new ConflictException(t.refusal(activityId, row.status()));
        }
        TransitionResult r = sales.transition(row, t, OperationId.fresh());
        if (r.found() == null) {
            throw notInRedis(row, t.name().toLowerCase(Locale.ROOT));
        }
        boolean completesEarlierAttempt = r.found() == t.target() && t.allowedFrom(row.status());
        if (!r.changed() && !completesEarlierAttempt) {
            followRedis(activityId);
            throw new ConflictException(t.refusal(activityId, r.found()));
        }
        if (t.target() == ActivityStatus.ACTIVE) {
            stockReturned.accept(activityId);
        }
        return followRedis(activityId);
    }

    /**
     * Brings the row's status and total_count up to what Redis holds, by compare-and-set on what it
     * read, so concurrent operators and retries converge on Redis. An ENDED row never leaves ENDED
     * (MySQL shows ENDED only after Redis did); a PENDING row is left to start's retry.
     */
    private Activity followRedis(long activityId) {
        for (int i = 0; i < FOLLOW_ATTEMPTS; i++) {
            Activity row = find(activityId);
            SaleStore.SaleSnapshot sale = sales.snapshot(row);
            boolean wouldLeaveEnded = row.status() == ActivityStatus.ENDED && sale.status() != ActivityStatus.ENDED;
            if (!sale.exists() || row.status() == ActivityStatus.PENDING || wouldLeaveEnded
                    || (row.status() == sale.status() && row.totalCount() == sale.total())) {
                return row;
            }
            activities.compareAndSet(activityId, row.status(), row.totalCount(), sale.status(),
                    Math.toIntExact(sale.total()));
            rowWritten.accept(activityId);
        }
        throw new ConflictException("activity " + activityId + " kept changing while its row was brought up to"
                + " date with Redis; read it and retry");
    }

    private Activity find(long activityId) {
        return activities.find(activityId)
                .orElseThrow(() -> new NotFoundException("activity " + activityId + " does not exist"));
    }

    private static ConflictException notInRedis(Activity activity, String operation) {
        return new ConflictException("activity " + activity.id() + " is " + activity.status()
                + " but its sale is not in Redis (Redis was reset or cleaned up); refusing to " + operation + " it");
    }

    /**
     * Live figures for operators: MySQL activity, Redis stock and ledger, and the rows the sink counted
     * (sale_row_counts: one row read, never a COUNT(*)). Shoppers poll GetFlashSaleStatus instead.
     */
    public SaleStatus status(long activityId) {
        Activity activity = activities.find(activityId)
                .orElseThrow(() -> new NotFoundException("activity " + activityId + " does not exist"));
        SaleStore.SaleSnapshot snapshot = sales.snapshot(activity);
        long rows = rowCounts.materialized(activityId);
        return new SaleStatus(activity, snapshot.exists() ? snapshot.remaining() : null,
                snapshot.ledgerSize(), rows);
    }

    /**
     * A sale's figures. remaining is null before the sale is in Redis. granted counts ledger
     * entries; materialized counts the user_coupons rows the sink inserted (equal to granted once the
     * topology caught up).
     */
    public record SaleStatus(Activity activity, Long remaining, long granted, long materialized) {}
}
