package io.pgpilot.fakes;

import io.pgpilot.runner.Pause;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

/** A clock that only moves when told, and a pause that moves it: tests never wait. */
public final class FakeClock extends Clock {

    private Instant now = Instant.parse("2026-03-01T03:00:00Z");

    public synchronized void advance(Duration duration) {
        now = now.plus(duration);
    }

    public Pause pause() {
        return this::advance;
    }

    @Override
    public synchronized Instant instant() {
        return now;
    }

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
        throw new UnsupportedOperationException("UTC only");
    }
}
