package io.flashcoupon.admin;

import io.flashcoupon.core.InvalidInputException;
import io.flashcoupon.core.reconcile.GrantConflict;
import io.flashcoupon.core.reconcile.GrantConflicts;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.time.Clock;
import java.util.List;

/**
 * /api/v1/activities/{id}/conflicts: the grants of a sale the user_coupons sink could not write
 * because another row is in their way (grant_conflicts), and marking one resolved once an operator
 * settled it with its user. An open conflict keeps reconciliation incomplete and refuses cleanup; a
 * resolved one stays listed with what was done. Resolving an unknown coupon is a 404, resolving twice
 * a 409 that changes nothing, an empty or over-long resolution a 400.
 */
final class ConflictRoutes {
    private static final int MAX_SN = 32;

    private final GrantConflicts conflicts;
    private final ApiJson json;
    private final Clock clock;

    ConflictRoutes(GrantConflicts conflicts, ApiJson json, Clock clock) {
        this.conflicts = conflicts;
        this.json = json;
        this.clock = clock;
    }

    void register(RoutesConfig routes) {
        routes.get(ActivityRoutes.PATH + "/{id}/conflicts", this::list);
        routes.post(ActivityRoutes.PATH + "/{id}/conflicts/{coupon_sn}/resolve", this::resolve);
    }

    void list(Context ctx) {
        long id = Params.positiveId("id", ctx.pathParam("id"));
        ctx.json(new ConflictList(conflicts.byActivity(id)));
    }

    void resolve(Context ctx) {
        long id = Params.positiveId("id", ctx.pathParam("id"));
        String sn = ctx.pathParam("coupon_sn");
        if (sn.isEmpty() || sn.codePointCount(0, sn.length()) > MAX_SN) {
            throw new InvalidInputException("coupon_sn", "must be 1 to " + MAX_SN + " characters");
        }
        String resolution = json.read(ctx.body(), ResolveRequest.class).resolution();
        ctx.json(new ConflictList(conflicts.resolve(id, sn, resolution, clock.instant())));
    }

    /** The body of POST .../resolve: what was done about the grant, 1 to 500 characters. */
    record ResolveRequest(String resolution) {}

    /** GET .../conflicts and POST .../resolve reply. */
    record ConflictList(List<GrantConflict> conflicts) {}
}
