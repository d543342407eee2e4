package io.flashcoupon.core.redis;

import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;

/**
 * A Lua script shipped as a class-path resource, loaded once and called by EVALSHA; reloaded and
 * retried once when Redis answers NOSCRIPT (after a restart or SCRIPT FLUSH).
 */
public final class LuaScript {
    private final String name;
    private final String source;
    private final ScriptOutputType output;
    private final String sha;

    /** Loads the script into every master of {@code access} (SCRIPT LOAD; a syntax error fails here). */
    public LuaScript(String resource, ScriptOutputType output, RedisAccess access) {
        this.name = resource;
        this.output = output;
        try (InputStream in = LuaScript.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("Lua script " + resource + " missing from the class path");
            }
            this.source = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        this.sha = access.loadScript(source);
    }

    public <T> CompletionStage<T> call(RedisClusterAsyncCommands<String, String> redis, String[] keys, String... args) {
        CompletableFuture<T> first = redis.<T>evalsha(sha, output, keys, args).toCompletableFuture();
        return first.handle((value, error) -> {
            if (error == null) {
                return CompletableFuture.completedFuture(value);
            }
            Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
            if (cause instanceof RedisNoScriptException) {
                // The server lost its scripts (restart, SCRIPT FLUSH, a promoted replica): EVAL runs the
                // source on the server the keys route to, and leaves it cached there for the next EVALSHA.
                // Not SCRIPT LOAD: on a cluster that is sent to every node, and waits for a dead one.
                return redis.<T>eval(source, output, keys, args).toCompletableFuture();
            }
            return CompletableFuture.<T>failedFuture(cause);
        }).thenCompose(f -> f);
    }

    /** The SHA1 Redis knows the script by (EVALSHA, SCRIPT EXISTS). */
    public String sha() {
        return sha;
    }

    /** Loads the script into Redis again (after a restart or SCRIPT FLUSH); returns its SHA1. */
    public String load(RedisClusterCommands<String, String> redis) {
        return redis.scriptLoad(source);
    }

    @Override
    public String toString() {
        return name + "@" + sha;
    }
}
