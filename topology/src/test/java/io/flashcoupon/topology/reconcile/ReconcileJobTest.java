package io.flashcoupon.topology.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import io.flashcoupon.core.ConflictException;
import io.flashcoupon.core.activity.ActivityStatus;
import io.flashcoupon.core.db.DataAccessException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ReconcileJobTest {

    @Test
    void a_failing_sale_does_not_stop_the_others_of_the_run() {
        List<Long> asked = new ArrayList<>();
        ReconcileJob job = new ReconcileJob(() -> List.of(1L, 2L, 3L, 4L), id -> {
            asked.add(id);
            if (id == 2) {
                throw new ConflictException("the sale of activity 2 is not in Redis");
            }
            if (id == 3) {
                throw new DataAccessException("MySQL went away", null);
            }
            return new LedgerComparison(0).compare(0, 0, java.util.Map.of(), java.util.Map.of(), List.of(), 0)
                    .report(id, ActivityStatus.ACTIVE, Instant.EPOCH, List.of(), List.of());
        }, null, 1_000);
        assertThat(job.runOnce()).isEqualTo(2);
        assertThat(asked).containsExactly(1L, 2L, 3L, 4L);
    }

    @Test
    void a_run_with_nothing_to_reconcile_does_nothing() {
        ReconcileJob job = new ReconcileJob(List::of, id -> {
            throw new AssertionError("nothing to reconcile");
        }, null, 1_000);
        assertThat(job.runOnce()).isZero();
    }
}
