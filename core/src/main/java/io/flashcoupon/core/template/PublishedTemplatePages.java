package io.flashcoupon.core.template;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * Pages of PUBLISHED templates (the shopper-facing list) in this process's memory, so a crowd listing
 * them does not reach MySQL. Any change of any template drops every page (a change can move a template
 * into, out of or within the list): the binlog invalidation and a write made through this process call
 * {@link #invalidateAll}. A load that an invalidation overtook is answered but not kept. Pages live at
 * most {@code ttl} (the bound when an invalidation is lost).
 */
public final class PublishedTemplatePages {
    /** A page as the list RPC asks it: ids below {@code beforeId} (0 = from the newest), {@code size} of them. */
    private record Page(long beforeId, int size) {}

    /** The store of record: PUBLISHED templates with id below beforeId, newest first, at most size. */
    public interface Loader {
        List<Template> load(long beforeId, int size);
    }

    private final Cache<Page, List<Template>> pages;
    private final Loader loader;
    private final AtomicLong generation = new AtomicLong();
    private final LongAdder loads = new LongAdder();

    public PublishedTemplatePages(Loader loader, Duration ttl, int maxPages) {
        this.loader = loader;
        this.pages = Caffeine.newBuilder().maximumSize(maxPages).expireAfterWrite(ttl).build();
    }

    public List<Template> page(long beforeId, int size) {
        Page key = new Page(beforeId, size);
        List<Template> hit = pages.getIfPresent(key);
        if (hit != null) {
            return hit;
        }
        long seen = generation.get();
        loads.increment();
        List<Template> loaded = List.copyOf(loader.load(beforeId, size));
        if (generation.get() == seen) {
            pages.put(key, loaded);
            if (generation.get() != seen) {
                pages.invalidate(key);
            }
        }
        return loaded;
    }

    /** Drops every page (a template changed). */
    public void invalidateAll() {
        generation.incrementAndGet();
        pages.invalidateAll();
    }

    /** Loads from the store so far. */
    public long loads() {
        return loads.sum();
    }
}
