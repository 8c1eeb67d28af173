package io.pgpilot.lab.drill;

import io.pgpilot.core.ports.CommandResult;
import io.pgpilot.core.ports.CommandTarget;
import io.pgpilot.core.ports.Commands;
import io.pgpilot.core.ports.Lease;
import io.pgpilot.core.ports.Leases;
import io.pgpilot.ec2.Ec2StepExecutor;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Kills one run right after its promotion, as a Lambda timeout kills an invocation: once armed,
 * the first pgpilot-PromoteStandby command that succeeds ends its run with {@link Killed}, an
 * Error that no layer of pgpilot catches, so nothing after it runs (no further step, no history);
 * and the lease release of that run's unwinding is dropped, as a killed process never releases
 * its lease. The next run must find the lease run out, record the cut-off and finish the job.
 */
final class RunKiller {

  /** The end of a killed run: an Error, since pgpilot's layers catch runtime exceptions and go on. */
  static final class Killed extends Error {
    Killed(String message) {
      super(message, null, false, false);
    }
  }

  private final Set<String> promotions = ConcurrentHashMap.newKeySet();
  private volatile boolean armed;
  private volatile Thread killed;
  private volatile Instant killedAt;

  /** From now on, the next successful promotion kills its run. */
  void arm() {
    killedAt = null;
    armed = true;
  }

  /** When the last armed kill happened; null when it did not (yet). */
  Instant killedAt() {
    return killedAt;
  }

  Commands commands(Commands real) {
    return new Commands() {
      @Override
      public String send(String document, Map<String, String> parameters, CommandTarget target) {
        String id = real.send(document, parameters, target);
        if (Ec2StepExecutor.PROMOTE_STANDBY.equals(document)) {
          promotions.add(id);
        }
        return id;
      }

      @Override
      public List<CommandResult> await(String commandId, List<String> instanceIds, Duration timeout) {
        List<CommandResult> results = real.await(commandId, instanceIds, timeout);
        if (armed && promotions.remove(commandId) && results.stream().allMatch(CommandResult::succeeded)) {
          armed = false;
          killed = Thread.currentThread();
          killedAt = Instant.now();
          throw new Killed("the run was killed right after " + Ec2StepExecutor.PROMOTE_STANDBY + " (command "
              + commandId + ") succeeded, as a Lambda timeout would kill it");
        }
        return results;
      }

      @Override
      public List<String> running(String document, String instanceId) {
        return real.running(document, instanceId);
      }
    };
  }

  Leases leases(Leases real) {
    return new Leases() {
      @Override
      public Optional<Lease> tryAcquire(String cluster, String owner, Duration duration, Instant now) {
        return real.tryAcquire(cluster, owner, duration, now);
      }

      @Override
      public Optional<Lease> renew(Lease lease, Duration duration, Instant now) {
        return real.renew(lease, duration, now);
      }

      @Override
      public boolean release(Lease lease, Instant now) {
        if (killed == Thread.currentThread()) {
          // The killed run's unwinding: a killed Lambda releases nothing.
          killed = null;
          return true;
        }
        return real.release(lease, now);
      }

      @Override
      public Optional<Lease> holder(String cluster, Instant now) {
        return real.holder(cluster, now);
      }
    };
  }
}
