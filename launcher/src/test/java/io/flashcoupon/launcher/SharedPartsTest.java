package io.flashcoupon.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import io.flashcoupon.core.config.ConfigLoader;
import io.flashcoupon.core.config.ServiceConfig;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Which shared parts a process builds for the roles it runs (SharedParts.Uses), without starting any. */
class SharedPartsTest {
    private static final SharedParts.Uses EVERYTHING = new SharedParts.Uses(true, true, true, true, true);

    @Test
    void an_all_in_one_process_builds_every_shared_part() {
        assertThat(uses("ingress,topology,admin")).isEqualTo(EVERYTHING);
    }

    @Test
    void the_ingress_grabs_through_the_producer_and_relays_its_saga_events_but_does_not_reconcile() {
        assertThat(uses("ingress")).isEqualTo(new SharedParts.Uses(true, true, false, true, true));
    }

    @Test
    void the_admin_api_reconciles_on_demand_through_the_producer_and_relays_its_saga_events() {
        assertThat(uses("admin")).isEqualTo(EVERYTHING);
    }

    @Test
    void topology_keeps_the_producer_and_the_relay_even_with_its_jobs_off() {
        assertThat(uses("topology")).isEqualTo(new SharedParts.Uses(false, true, true, true, false));
        assertThat(uses("topology", "COUPON_BUSINESS_RECONCILE_ENABLED", "false"))
                .as("no reconcile job: no reconciler, but still a member of the producer group for check-backs")
                .isEqualTo(new SharedParts.Uses(false, true, false, true, false));
        assertThat(uses("topology", "COUPON_BUSINESS_WALLET_JOBS_ENABLED", "false"))
                .as("no expiry jobs: the relay still sends rows other processes left")
                .isEqualTo(new SharedParts.Uses(false, true, true, true, false));
    }

    @Test
    void jobs_switched_off_in_a_topology_process_do_not_take_parts_from_the_other_roles() {
        assertThat(uses("ingress,topology", "COUPON_BUSINESS_RECONCILE_ENABLED", "false",
                "COUPON_BUSINESS_WALLET_JOBS_ENABLED", "false"))
                .isEqualTo(new SharedParts.Uses(true, true, false, true, true));
    }

    private static SharedParts.Uses uses(String roles, String... env) {
        Map<String, String> vars = new HashMap<>();
        vars.put("COUPON_SERVER_ROLES", roles);
        for (int i = 0; i < env.length; i += 2) {
            vars.put(env[i], env[i + 1]);
        }
        ServiceConfig config = new ConfigLoader().load(null, vars);
        return SharedParts.Uses.of(config.server().roleSet(), config.business());
    }
}
