package io.flashcoupon.launcher;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.filter.Filter;
import ch.qos.logback.core.spi.FilterReply;

/**
 * Lets an appender of logback.xml write only when its format ({@code format}) is the one chosen
 * ({@code selected}, from LOG_FORMAT): both console appenders stay referenced, one stays silent.
 */
public final class LogFormatFilter extends Filter<ILoggingEvent> {
    private String format;
    private String selected;
    private boolean active;

    public void setFormat(String format) {
        this.format = format;
    }

    public void setSelected(String selected) {
        this.selected = selected;
    }

    @Override
    public void start() {
        active = format != null && format.equalsIgnoreCase(selected == null ? "" : selected.trim());
        super.start();
    }

    @Override
    public FilterReply decide(ILoggingEvent event) {
        return active ? FilterReply.NEUTRAL : FilterReply.DENY;
    }
}
