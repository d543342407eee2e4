package io.flashcoupon.topology.invalidation;

import static org.assertj.core.api.Assertions.assertThat;

import io.flashcoupon.core.Registry;
import io.flashcoupon.core.cdc.FlatMessage;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CacheInvalidatorTest {
    final List<String> dropped = new ArrayList<>();
    final CacheInvalidator invalidator = new CacheInvalidator("coupon", Map.of(
            Registry.TABLE_TEMPLATES, id -> dropped.add(Registry.templateCacheKey(id)),
            Registry.TABLE_ACTIVITIES, id -> dropped.add(Registry.activityCacheKey(id))));

    /** What the invalidation job does with one message: its targets, then the drops. */
    void invalidate(FlatMessage m) {
        invalidator.apply(invalidator.targets(m));
    }

    static FlatMessage rows(String table, String type, List<Map<String, String>> data, List<Map<String, String>> old) {
        return new FlatMessage(data, "coupon", 1L, 1L, false, Map.of(), old, List.of("id"), "", Map.of(), table, 2L, type);
    }

    @Test
    void every_row_of_an_insert_update_or_delete_is_dropped() {
        invalidate(rows(Registry.TABLE_TEMPLATES, "INSERT", List.of(Map.of("id", "1"), Map.of("id", "2")), null));
        invalidate(rows(Registry.TABLE_ACTIVITIES, "UPDATE", List.of(Map.of("id", "3", "status", "PAUSED")),
                List.of(Map.of("status", "ACTIVE"))));
        invalidate(rows(Registry.TABLE_ACTIVITIES, "DELETE", List.of(Map.of("id", "4")), null));
        assertThat(dropped).containsExactly("cache:template:1", "cache:template:2", "cache:activity:3",
                "cache:activity:4");
    }

    @Test
    void an_update_of_the_primary_key_drops_the_old_and_the_new_id() {
        invalidate(rows(Registry.TABLE_TEMPLATES, "UPDATE", List.of(Map.of("id", "10")),
                List.of(Map.of("id", "9"))));
        assertThat(dropped).containsExactly("cache:template:10", "cache:template:9");
    }

    @Test
    void ddl_other_tables_other_databases_and_other_event_types_drop_nothing() {
        invalidate(new FlatMessage(null, "coupon", 1L, 1L, true, null, null, null,
                "ALTER TABLE coupon_templates ADD x INT", null, Registry.TABLE_TEMPLATES, 2L, "ALTER"));
        invalidate(rows(Registry.TABLE_USER_COUPONS, "INSERT", List.of(Map.of("id", "1")), null));
        invalidate(new FlatMessage(List.of(Map.of("id", "1")), "other_db", 1L, 1L, false, null, null,
                List.of("id"), "", null, Registry.TABLE_TEMPLATES, 2L, "UPDATE"));
        invalidate(rows(Registry.TABLE_TEMPLATES, "TRUNCATE", List.of(Map.of("id", "1")), null));
        assertThat(dropped).isEmpty();
    }

    @Test
    void a_duplicate_message_only_repeats_the_same_deletes() {
        FlatMessage m = rows(Registry.TABLE_ACTIVITIES, "UPDATE", List.of(Map.of("id", "5")), List.of(Map.of()));
        invalidate(m);
        invalidate(m);
        assertThat(dropped).containsExactly("cache:activity:5", "cache:activity:5");
    }

    @Test
    void a_sale_key_is_never_a_target() {
        invalidate(rows(Registry.TABLE_ACTIVITIES, "UPDATE", List.of(Map.of("id", "7")), null));
        assertThat(dropped).allMatch(k -> k.startsWith(Registry.CACHE_KEY_PREFIX))
                .doesNotContainAnyElementsOf(List.of(Registry.saleKeys(7)));
    }

    @Test
    void a_failing_drop_does_not_stop_the_others_and_is_reported() {
        CacheInvalidator failing = new CacheInvalidator("coupon", Map.of(Registry.TABLE_TEMPLATES, id -> {
            dropped.add("t" + id);
            if (id == 1) {
                throw new IllegalStateException("redis down");
            }
        }));
        try {
            FlatMessage m = rows(Registry.TABLE_TEMPLATES, "DELETE", List.of(Map.of("id", "1"), Map.of("id", "2")), null);
            failing.apply(failing.targets(m));
        } catch (IllegalStateException expected) {
            dropped.add("reported");
        }
        assertThat(dropped).containsExactly("t1", "t2", "reported");
    }

    @Test
    void a_user_coupons_change_drops_the_wallet_of_each_distinct_user_of_its_rows() {
        List<Long> wallets = new ArrayList<>();
        CacheInvalidator byUser = new CacheInvalidator("coupon", Map.of(Registry.TABLE_USER_COUPONS, wallets::add),
                Map.of(Registry.TABLE_USER_COUPONS, "user_id"));
        byUser.apply(byUser.targets(rows(Registry.TABLE_USER_COUPONS, "INSERT", List.of(
                Map.of("id", "100", "user_id", "7"), Map.of("id", "101", "user_id", "8"),
                Map.of("id", "102", "user_id", "7")), null)));
        byUser.apply(byUser.targets(rows(Registry.TABLE_USER_COUPONS, "UPDATE",
                List.of(Map.of("id", "100", "user_id", "7", "status", "2")), List.of(Map.of("status", "1")))));
        assertThat(wallets).containsExactly(7L, 8L, 7L);
    }
}
