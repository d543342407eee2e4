package io.flashcoupon.core.sale;

import io.flashcoupon.core.activity.Activity;
import io.flashcoupon.core.activity.ActivityStatus;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A flash sale as a whole over its segments ({@link Segment}): start, status changes, restock, figures
 * and state summed or merged over them, and the stock transfers that let a segment that ran out borrow
 * from the others (docs/architecture.md "Segments"). A sale of one segment is exactly the sale it was
 * before segments: every call is the single {@link SaleStore} call on its one segment.
 *
 * <p>A transfer is two durable scripts: a debit on the donor (lua/debit.lua) that takes a chunk of its
 * stock and records "out" under a transfer id, then a credit on the receiver (lua/credit.lua) that adds it
 * once per id. No coupon is made or lost by a transfer: a credit is only ever made for an id the donor
 * recorded, and a debit whose credit never came (its borrower died between the two) is a transfer in
 * flight, completed by the next borrow that finds no donor ({@link #completeTransfers}), by reconciliation
 * and by a heal, and counted as remaining stock until then. Borrows for one segment are serialized: in
 * this process the grabs that found it empty at the same time wait for one borrow, and across processes
 * a borrower holds the segment's borrow lock ({@link io.flashcoupon.core.Registry#borrowLockKey}) from its
 * debit to its credit, so at most one chunk is in flight to each segment (apart from one a dead borrower
 * left, until it is completed). A borrow answers "sold out" only when no segment had stock and no
 * transfer was in flight when it looked.
 */
public final class SaleSegments {
    private static final Logger log = LoggerFactory.getLogger(SaleSegments.class);
    /**
     * Debit attempts of one borrow: a donor can be emptied by others between the read and the debit, which
     * is progress elsewhere (its stock was sold or lent), so the borrow reads again. Past this many it
     * fails (an exception: the caller must not conclude the sale is sold out).
     */
    private static final int BORROW_ATTEMPTS = 32;
    /**
     * How long a borrower holds its receiver's borrow lock at most (it releases it when done): a process
     * that died holding it delays that segment's borrows this long, and its chunk stays in flight until
     * the next borrower finds no donor and completes it.
     */
    private static final long BORROW_LOCK_MS = 2_000;

    private final SaleStore store;
    private final String transferPrefix = "t" + Long.toHexString(new SecureRandom().nextLong()) + ":";
    private final AtomicLong transfers = new AtomicLong();
    private final Map<Segment, CompletableFuture<Boolean>> borrowing = new ConcurrentHashMap<>();

    public SaleSegments(SaleStore store) {
        this.store = store;
    }

    /** The segments of {@code a}'s sale, in index order. */
    public static List<Segment> of(Activity a) {
        return Segment.all(a.id(), a.segments());
    }

    /** The segment user {@code userId} buys from in {@code a}'s sale. */
    public static Segment ofUser(Activity a, long userId) {
        return Segment.ofUser(a.id(), a.segments(), userId);
    }

    /**
     * Starts every segment ({@link SaleStore#start(Segment, Activity)}): each with its share of the stock,
     * each resumed as it is when already there. True when this call created any of them.
     */
    public boolean start(Activity a) {
        boolean created = false;
        for (Segment s : of(a)) {
            created |= store.start(s, a);
        }
        return created;
    }

    /**
     * Runs {@code t} on the sale. A split sale's status is decided on its first segment (one atomic script,
     * as for an unsplit sale; it counts its changes in {@code status_version}); the other segments then
     * follow it ({@link #syncStatus}), so a change cut short, or two operators' changes interleaved, end
     * with every segment on the first one's latest status. The answer is the first segment's.
     */
    public TransitionResult transition(Activity a, SaleTransition t, OperationId op) {
        TransitionResult r = store.transition(Segment.of(a.id(), 0, a.segments()), t, op);
        syncStatus(a);
        return r;
    }

    /**
     * Makes the other segments of a split sale take the first segment's status where they saw fewer of its
     * changes (lua/follow.lua). Run after every status change, and by reconciliation, cleanup and the fence
     * checker, which repairs a change cut short between the segments. Nothing for a sale of one segment.
     */
    public void syncStatus(Activity a) {
        if (a.segments() == 1) {
            return;
        }
        List<Segment> all = of(a);
        List<SaleStore.SegmentView> views = store.views(all);
        SaleStore.SegmentView first = views.get(0);
        if (!first.exists()) {
            return;
        }
        long ahead = 0;
        for (int i = 1; i < all.size(); i++) {
            SaleStore.SegmentView v = views.get(i);
            if (v.exists() && v.status() != ActivityStatus.ENDED && v.status() != first.status()
                    && v.statusVersion() >= first.statusVersion()) {
                ahead = Math.max(ahead, v.statusVersion());
            }
        }
        if (ahead > 0) {
            // A follower counts as many changes as the first (its copy was restored or re-created): the
            // first leads again, one change ahead of every follower.
            SaleStore.SegmentView led = store.lead(all.get(0), ahead + 1);
            if (led == null) {
                return;
            }
            first = led;
        }
        for (int i = 1; i < all.size(); i++) {
            SaleStore.SegmentView v = views.get(i);
            boolean behind = v.exists() && v.status() != ActivityStatus.ENDED
                    && (v.statusVersion() < first.statusVersion() || v.status() != first.status());
            if (behind) {
                store.follow(all.get(i), first.status(), first.statusVersion());
            }
        }
    }

    /**
     * Adds {@code amount} coupons to the sale. A split sale's restock goes to its first segment alone, in
     * one script as for an unsplit sale (the others lend from it when they run out): the first segment is
     * expected to hold {@code expectedTotal} less the other segments' totals, which no restock changes.
     * The answer carries the sale's total and stock summed over the segments.
     */
    public RestockResult restock(Activity a, int amount, long expectedTotal, OperationId op) {
        if (a.segments() == 1) {
            return store.restock(Segment.only(a.id()), amount, expectedTotal, op);
        }
        List<Segment> all = of(a);
        long others = 0;
        for (Segment s : all.subList(1, all.size())) {
            SaleStore.SaleSnapshot part = store.snapshot(s);
            if (!part.exists()) {
                return new RestockResult(RestockResult.Outcome.NOT_IN_REDIS, null, 0, 0);
            }
            others += part.total();
        }
        RestockResult r = store.restock(all.get(0), amount, expectedTotal - others, op);
        SaleStore.SaleSnapshot now = snapshot(a);
        return new RestockResult(r.outcome(), r.status(), now.total(), now.remaining());
    }

    /**
     * The sale's figures summed over its segments: remaining is the stock of every segment (a chunk in
     * flight between two is in neither); status the first segment's; exists only when every segment is.
     */
    public SaleStore.SaleSnapshot snapshot(Activity a) {
        return snapshot(a.id(), a.segments());
    }

    /** {@link #snapshot(Activity)} by id and segment count. */
    public SaleStore.SaleSnapshot snapshot(long activityId, int segments) {
        if (segments == 1) {
            return store.snapshot(Segment.only(activityId));
        }
        boolean exists = true;
        ActivityStatus status = null;
        long remaining = 0;
        long total = 0;
        long ledger = 0;
        for (Segment s : Segment.all(activityId, segments)) {
            SaleStore.SaleSnapshot part = store.snapshot(s);
            exists &= part.exists();
            if (status == null) {
                status = part.status();
            }
            remaining += part.remaining();
            total += part.total();
            ledger += part.ledgerSize();
        }
        return new SaleStore.SaleSnapshot(exists, exists ? status : null, remaining, total, ledger);
    }

    /**
     * The sale's state merged over its segments, each read atomically (one after the other): total summed,
     * remaining = the segments' stock plus the transfers in flight (lent, not yet received), ledger and
     * users merged (a user is in one segment), transfers keyed "segmentIndex:transferId". Empty when the
     * first segment is not in Redis; a later one missing is an error (a sale half cleaned up).
     */
    public Optional<SaleStore.SaleState> state(Activity a) {
        if (a.segments() == 1) {
            return store.state(Segment.only(a.id()));
        }
        List<SaleStore.SaleState> parts = new ArrayList<>();
        for (Segment s : of(a)) {
            Optional<SaleStore.SaleState> part = store.state(s);
            if (part.isEmpty()) {
                if (s.index() == 0) {
                    return Optional.empty();
                }
                throw new IllegalStateException(s + " is not in Redis while segment 0 is");
            }
            parts.add(part.get());
        }
        long total = 0;
        long remaining = 0;
        Map<String, String> ledger = new HashMap<>();
        Map<String, String> users = new HashMap<>();
        Map<String, String> transferRecords = new HashMap<>();
        List<Map<String, String>> bySegment = new ArrayList<>();
        for (int i = 0; i < parts.size(); i++) {
            SaleStore.SaleState p = parts.get(i);
            total += p.total();
            remaining += p.remaining();
            ledger.putAll(p.ledger());
            users.putAll(p.users());
            int index = i;
            p.transfers().forEach((id, record) -> transferRecords.put(index + ":" + id, record));
            bySegment.add(p.transfers());
        }
        // The segments are read one after the other, so a transfer can fall between two reads. One the donor
        // records and the receiver does not (in flight, or received after the receiver's read) is in neither
        // stock: counted once here. One the receiver records and the donor does not (lent after the donor's
        // read) is in both stocks: counted once less.
        for (Transfer t : inFlight(bySegment)) {
            remaining += t.amount();
        }
        for (Transfer t : unrecordedLoans(bySegment)) {
            remaining -= t.amount();
        }
        return Optional.of(new SaleStore.SaleState(parts.get(0).status(), total, remaining, ledger, users,
                transferRecords));
    }

    /** A transfer as its donor recorded it. */
    public record Transfer(String id, int donor, int receiver, long amount) {}

    /**
     * The transfers whose donor recorded them lent and whose receiver has no record of them, from each
     * segment's records ({@code bySegment.get(i)}: segment i's {@link SaleStore#transfers}). Pure.
     */
    public static List<Transfer> inFlight(List<Map<String, String>> bySegment) {
        return unmatched(bySegment, "out");
    }

    /**
     * The loans a receiver holds ("in") whose donor has no record of them (a donor restored from an older
     * copy), as transfers to restore on the donor. Pure, like {@link #inFlight}.
     */
    public static List<Transfer> unrecordedLoans(List<Map<String, String>> bySegment) {
        return unmatched(bySegment, "in");
    }

    /** The records of direction {@code way} ("out" or "in") whose peer segment has no record of the id. */
    private static List<Transfer> unmatched(List<Map<String, String>> bySegment, String way) {
        List<Transfer> out = new ArrayList<>();
        for (int self = 0; self < bySegment.size(); self++) {
            for (Map.Entry<String, String> e : bySegment.get(self).entrySet()) {
                String[] f = e.getValue().split(":");
                if (f.length < 3 || !f[0].equals(way)) {
                    continue;
                }
                int peer = Integer.parseInt(f[1]);
                Map<String, String> there = peer >= 0 && peer < bySegment.size() ? bySegment.get(peer) : Map.of();
                if (!there.containsKey(e.getKey())) {
                    long amount = Long.parseLong(f[2]);
                    out.add(way.equals("out") ? new Transfer(e.getKey(), self, peer, amount)
                            : new Transfer(e.getKey(), peer, self, amount));
                }
            }
        }
        return out;
    }

    /** What one segment may sell in all: its total, plus what it borrowed, less what it lent. Pure. */
    public static long quota(SaleStore.SaleState segment) {
        long quota = segment.total();
        for (String record : segment.transfers().values()) {
            String[] f = record.split(":");
            if (f.length >= 3 && f[0].equals("in")) {
                quota += Long.parseLong(f[2]);
            } else if (f.length >= 3 && f[0].equals("out")) {
                quota -= Long.parseLong(f[2]);
            }
        }
        return quota;
    }

    /** Every segment's transfer records, in index order. */
    public List<Map<String, String>> transfers(long activityId, int segments) {
        List<Map<String, String>> out = new ArrayList<>(segments);
        for (Segment s : Segment.all(activityId, segments)) {
            out.add(store.transfers(s));
        }
        return out;
    }

    /**
     * Credits every transfer in flight of the sale (to {@code receiver} only, when not null); returns how
     * many it found in flight that are now received (by this call or, concurrently, by another). Each
     * receiver's epoch is read before the records, so a credit never lands after a heal that may have
     * dropped its debit. Safe while their borrowers still run: a credit applies once per id.
     */
    public int completeTransfers(long activityId, int segments, Integer receiver) {
        List<Segment> all = Segment.all(activityId, segments);
        List<SaleStore.SegmentView> before = store.views(all);
        int received = 0;
        for (Transfer t : inFlight(transfers(activityId, segments))) {
            if (receiver != null && t.receiver() != receiver) {
                continue;
            }
            if (t.receiver() < 0 || t.receiver() >= segments) {
                log.error("{}: transfer {} names segment {}, which the sale does not have; left alone",
                        all.get(t.donor()), t.id(), t.receiver());
                continue;
            }
            long r = store.credit(all.get(t.receiver()), t.id(), t.donor(), t.amount(), before.get(t.receiver()).epoch());
            if (r == 1L) {
                log.warn("{}: completed transfer {} of {} coupon(s) from segment {} left in flight",
                        all.get(t.receiver()), t.id(), t.amount(), t.donor());
            }
            if (r >= 0) {
                received++;
            }
        }
        return received;
    }

    /**
     * Gets stock for {@code receiver}, which ran out: a chunk from the segment with the most stock left,
     * or the transfers to it left in flight. False when no other segment has stock (the sale is sold out,
     * apart from chunks other processes are moving right now). Blocking; a borrow of the same segment
     * already running in this process is joined instead of repeated. Throws when Redis fails.
     */
    public boolean borrow(Activity a, Segment receiver) {
        CompletableFuture<Boolean> mine = new CompletableFuture<>();
        CompletableFuture<Boolean> running = borrowing.putIfAbsent(receiver, mine);
        if (running != null) {
            Duration timeout = store.timeout();
            try {
                return running.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new SaleStoreException("interrupted waiting for a borrow of " + receiver, e);
            } catch (ExecutionException e) {
                throw new SaleStoreException("the borrow of " + receiver + " failed: " + e.getCause().getMessage(),
                        e.getCause());
            } catch (TimeoutException e) {
                throw new SaleStoreException("the borrow of " + receiver + " took over " + timeout.toMillis() + " ms", e);
            }
        }
        try {
            boolean got = borrowOnce(a, receiver);
            mine.complete(got);
            return got;
        } catch (RuntimeException e) {
            mine.completeExceptionally(e);
            throw e;
        } finally {
            borrowing.remove(receiver, mine);
        }
    }

    private boolean borrowOnce(Activity a, Segment receiver) {
        String token = transferPrefix + "lock" + transfers.incrementAndGet();
        if (!store.lockBorrow(receiver, token, BORROW_LOCK_MS)) {
            // Another process is borrowing for this segment: its chunk is the one in flight; grab again after it.
            store.awaitBorrowUnlocked(receiver);
            return true;
        }
        try {
            return borrowLocked(a, receiver);
        } finally {
            store.unlockBorrow(receiver, token);
        }
    }

    private boolean borrowLocked(Activity a, Segment receiver) {
        List<Segment> all = of(a);
        java.util.Set<Integer> refused = new java.util.HashSet<>();
        for (int attempt = 0; attempt < BORROW_ATTEMPTS; attempt++) {
            List<SaleStore.SegmentView> views = store.views(all);
            SaleStore.SegmentView own = views.get(receiver.index());
            if (own.exists() && own.stock() > 0) {
                return true;
            }
            int donor = -1;
            long most = 0;
            Segment unknown = null;
            for (int i = 0; i < all.size(); i++) {
                SaleStore.SegmentView v = views.get(i);
                if (!v.exists() || v.fenced()) {
                    unknown = all.get(i);
                } else if (i != receiver.index() && !refused.contains(i) && v.stock() > most) {
                    most = v.stock();
                    donor = i;
                }
            }
            if (donor < 0) {
                // No segment lends: what is not sold is in flight, or in a segment that cannot lend now.
                // Completing every transfer in flight (to any segment) lets this borrow, or the next, find it.
                if (completeTransfers(a.id(), a.segments(), null) > 0) {
                    refused.clear();
                    continue;
                }
                if (unknown != null) {
                    throw new SaleStoreException(unknown + " is fenced or missing while it is healed: its stock is"
                            + " unknown, so the sale cannot be called sold out", null);
                }
                // A transfer may have landed between the stock reads and the records read: look once more.
                List<SaleStore.SegmentView> again = store.views(all);
                boolean stockLeft = false;
                for (int i = 0; i < all.size(); i++) {
                    if (again.get(i).exists() && again.get(i).stock() > 0) {
                        stockLeft = true;
                        if (refused.contains(i) && i != receiver.index() && attempt == BORROW_ATTEMPTS - 1) {
                            throw new SaleStoreException("segment " + i + " holds stock but lends none now (fenced,"
                                    + " lease lapsed or ended)", null);
                        }
                    }
                }
                if (stockLeft) {
                    continue;
                }
                return false;
            }
            String id = transferPrefix + transfers.incrementAndGet();
            long lent = store.debit(all.get(donor), id, receiver.index(), chunk(a, most));
            if (lent > 0) {
                long credited = store.credit(receiver, id, donor, lent, own.epoch());
                if (credited == -2L) {
                    log.warn("{}: fenced or healed between the debit and the credit of transfer {}; left in flight"
                            + " for whoever completes it from fresh reads", receiver, id);
                }
                return true;
            }
            if (lent == 0L) {
                refused.add(donor);
            }
        }
        throw new SaleStoreException("every donor of " + receiver + " was emptied between " + BORROW_ATTEMPTS
                + " reads and their debits", null);
    }

    /**
     * How much one transfer asks for: a quarter of a segment's share of the total, at most half of what
     * the donor holds (so the last coupons are split rather than moved back and forth), at least one.
     */
    static long chunk(Activity a, long donorStock) {
        long share = Math.max(1, (long) a.totalCount() / ((long) a.segments() * 4));
        return Math.max(1, Math.min(share, (donorStock + 1) / 2));
    }
}
