package org.apache.rocketmq.store;

import java.lang.reflect.Field;
import java.util.concurrent.TimeUnit;
import org.apache.rocketmq.common.message.MessageExt;
import org.apache.rocketmq.store.hook.PutMessageHook;

/**
 * The broker thread that dispatches new commit-log entries to the consume queues (and so wakes held
 * pulls), in place of RocketMQ 5.5.0's {@code ReputMessageService}, which looks for new entries every
 * millisecond forever: 1-2 % of a core on an idle broker here, the largest broker share of an idle
 * all-in-one process (docs/decisions.md).
 *
 * <p>The dispatching is the broker's own ({@code doReput}) and so is the pace while messages flow: a
 * look every millisecond. After {@link #QUIET_MILLIS} with nothing stored, the thread sleeps until a
 * put wakes it, looking anyway every {@link #IDLE_POLL_MILLIS}. A put-message hook, which the store runs
 * before every put ({@code asyncPutMessage(s)}: sends, transaction commits and ops, retries, scheduled
 * messages), stamps the time of the put and wakes the thread when it sleeps; the thread then looks every
 * millisecond again, so the first message after a quiet spell is dispatched as soon as it is stored.
 * The hook runs before the entry is appended, so the thread cannot rely on seeing it at once: a recent
 * stamp keeps it polling, and going idle is "set idle, then re-read the stamp" against the hook's "stamp,
 * then read idle" (both volatile), so either the thread sees the stamp or the hook sees it idle.
 *
 * <p>Written in RocketMQ's package because the store keeps this thread in a private field typed with
 * the package-private {@code DefaultMessageStore.ReputMessageService}; only this jar's class loader
 * (the broker's own) defines it. Known gaps: installed by reflection into the 5.5.0 class layout
 * ({@link #install} fails start-up when the layout is not there); a slave's {@code truncateDirtyFiles}
 * starts a stock thread in its place (a single master never truncates); a commit-log write that
 * bypasses both the hooks and {@code appendToCommitLog} would be dispatched up to
 * {@link #IDLE_POLL_MILLIS} late after a quiet spell (none is known in 5.5.0).
 */
public final class IdleBackoffReputMessageService extends DefaultMessageStore.ReputMessageService {

    /** Thread name: starts like 5.5.0's, so thread dumps and CPU tables show what it replaced. */
    public static final String THREAD_NAME = "ReputMessageService-idlebackoff";

    /** How long without a put or a dispatch before the thread stops looking every millisecond. */
    public static final long QUIET_MILLIS = 100;

    /** Longest sleep while idle: the safety net for a write no hook announced. */
    public static final long IDLE_POLL_MILLIS = 100;

    private static final String FIELD = "reputMessageService";
    private static final long QUIET_NANOS = TimeUnit.MILLISECONDS.toNanos(QUIET_MILLIS);

    private volatile long lastPutNanos = System.nanoTime();
    private volatile boolean idle;

    private IdleBackoffReputMessageService(DefaultMessageStore store) {
        store.super();
    }

    /**
     * Replaces the store's dispatch thread and registers the put hook that wakes it. Call between
     * the broker's {@code initialize()} and {@code start()}: the store starts the thread it holds then.
     *
     * @throws IllegalStateException if {@code store} is not a 5.5.0 {@code DefaultMessageStore} holding
     *     a plain (not concurrent) {@code ReputMessageService} in the expected field
     */
    public static void install(MessageStore store) {
        if (!(store instanceof DefaultMessageStore defaultStore)) {
            throw layoutChanged("the message store is " + (store == null ? "missing" : store.getClass().getName()), null);
        }
        IdleBackoffReputMessageService replacement = new IdleBackoffReputMessageService(defaultStore);
        try {
            Field field = DefaultMessageStore.class.getDeclaredField(FIELD);
            field.setAccessible(true);
            Object stock = field.get(defaultStore);
            if (stock == null || stock.getClass() != DefaultMessageStore.ReputMessageService.class) {
                throw layoutChanged(FIELD + " holds " + (stock == null ? "nothing" : stock.getClass().getName())
                        + " (enableBuildConsumeQueueConcurrently is not supported)", null);
            }
            field.set(defaultStore, replacement);
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw e instanceof IllegalStateException ise ? ise
                    : layoutChanged("no field " + FIELD + " in DefaultMessageStore", e);
        }
        defaultStore.getPutMessageHookList().add(replacement.new WakeOnPut());
    }

    @Override
    public String getServiceName() {
        return THREAD_NAME;
    }

    @Override
    public void run() {
        long lastDispatchNanos = System.nanoTime();
        while (!isStopped()) {
            try {
                if (idle) {
                    waitForRunning(IDLE_POLL_MILLIS);
                } else {
                    TimeUnit.MILLISECONDS.sleep(1);
                }
                long before = reputFromOffset;
                doReput();
                long now = System.nanoTime();
                if (reputFromOffset != before) {
                    lastDispatchNanos = now;
                }
                idle = nextIdle(idle, now, lastDispatchNanos);
            } catch (Throwable e) {
                DefaultMessageStore.LOGGER.warn(THREAD_NAME + " service has exception. ", e);
            }
        }
    }

    /** Idle once nothing was put or dispatched for QUIET_MILLIS; awake as soon as either happens. */
    private boolean nextIdle(boolean wasIdle, long now, long lastDispatchNanos) {
        if (now - lastDispatchNanos < QUIET_NANOS) {
            return false;
        }
        if (wasIdle) {
            return now - lastPutNanos >= QUIET_NANOS;
        }
        idle = true; // published before the stamp is read again: see the class comment
        return System.nanoTime() - lastPutNanos >= QUIET_NANOS;
    }

    private static IllegalStateException layoutChanged(String what, Throwable cause) {
        return new IllegalStateException("Embedded RocketMQ: cannot replace the store's ReputMessageService ("
                + what + "); the idle back-off is written against RocketMQ 5.5.0. Start with reputIdleBackoff=false"
                + " to keep RocketMQ's own thread", cause);
    }

    /** Runs before every put the store accepts from its other hooks; never refuses one. */
    private final class WakeOnPut implements PutMessageHook {
        @Override
        public String hookName() {
            return "wakeReputAfterQuietSpell";
        }

        @Override
        public PutMessageResult executeBeforePutMessage(MessageExt msg) {
            lastPutNanos = System.nanoTime();
            if (idle) {
                wakeup();
            }
            return null;
        }
    }
}
