package io.flashcoupon.core.redis;

import io.flashcoupon.core.runtime.Readiness;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import java.time.Duration;
import java.util.List;

/**
 * Readiness of the sale Redis, on the connection the grabs use: it answers PING, and it holds the
 * grab script (the script every grab runs by EVALSHA). A Redis restarted or flushed since has lost
 * its scripts; the check loads the grab script again rather than reporting down, since a grab would
 * do the same on NOSCRIPT and an instance that is never ready would never be sent a grab to do it.
 */
public final class RedisReadiness {
    /** The script every grab runs (SaleStore). */
    static final String GRAB_SCRIPT = "lua/grab.lua";

    private RedisReadiness() {}

    /**
     * The check named "redis" on every master of {@code access} (one for a single Redis), answering
     * within {@code timeout}: each answers PING and holds the grab script (loaded again where missing).
     */
    public static Readiness.Check check(RedisAccess access, Duration timeout) {
        LuaScript grab = new LuaScript(GRAB_SCRIPT, ScriptOutputType.MULTI, access);
        return new Readiness.Check("redis", timeout, () -> {
            if (!access.cluster()) {
                return probe(access.sync(), grab);
            }
            StringBuilder found = new StringBuilder();
            for (RedisAccess.Node master : access.masters()) {
                found.append(found.length() == 0 ? "" : "; ").append(master.address()).append(": ")
                        .append(probe(master.sync(), grab));
            }
            return found.toString();
        });
    }

    static String probe(RedisClusterCommands<String, String> redis, LuaScript grab) {
        String pong = redis.ping();
        if (!"PONG".equals(pong)) {
            throw new IllegalStateException("PING answered " + pong);
        }
        List<Boolean> exists = redis.scriptExists(grab.sha());
        if (exists.isEmpty() || !exists.get(0)) {
            String sha = grab.load(redis);
            return "grab script " + sha + " was missing (Redis restarted or flushed) and is loaded again";
        }
        return "grab script " + grab.sha() + " loaded";
    }
}
