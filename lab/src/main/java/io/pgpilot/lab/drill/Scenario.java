package io.pgpilot.lab.drill;

import io.pgpilot.lab.Lab;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/** A drill's fault: which node it hits, how, and what tells the automation. */
enum Scenario {
  /** SIGKILL to the primary's postmaster; the instance keeps running, so only the monitor's probes can tell. */
  PRIMARY_CRASH("primary-crash", Trigger.MONITOR),
  /** The primary's instance stops (orderly shutdown); its EC2 state-change event reaches the automation. */
  PRIMARY_STOP("primary-stop", Trigger.INSTANCE_EVENT),
  /** SIGKILL to a standby that feeds another standby (the seed's cascading standby). */
  CASCADE_CRASH("cascade-crash", Trigger.MONITOR),
  /** SIGKILL to a standby that feeds none (the seed's downstream standby). */
  DOWNSTREAM_CRASH("downstream-crash", Trigger.MONITOR),
  /** No fault: a planned switchover to the synchronous standby. */
  SWITCHOVER("switchover", Trigger.SWITCHOVER),
  /**
   * The asynchronous standby is cut off from its upstream and falls behind, the synchronous
   * standby is cut off from the automation only (it still streams), then the primary crashes:
   * the only node that holds every acknowledged commit cannot be asked. Safe outcomes: a
   * refusal, then the failover to the synchronous standby once the partitions heal.
   */
  SYNC_UNREACHABLE("sync-unreachable", Trigger.MONITOR);

  /** How long the asynchronous standby is cut off before the primary crashes: commits it lacks. */
  static final long LAG_MS = 1_000;

  enum Trigger { MONITOR, INSTANCE_EVENT, SWITCHOVER }

  final String id;
  final Trigger trigger;

  Scenario(String id, Trigger trigger) {
    this.id = id;
    this.trigger = trigger;
  }

  static Scenario parse(String id) {
    return Arrays.stream(values()).filter(s -> s.id.equals(id)).findFirst().orElseThrow(() ->
        new IllegalArgumentException("unknown scenario '" + id + "'; one of " + ids()));
  }

  static String ids() {
    return String.join(", ", Arrays.stream(values()).map(s -> s.id).toList());
  }

  /** The node this scenario hits in the cluster as it is now; why not, when it cannot. */
  String target(Lab.Status status) {
    List<Lab.Node> db = status.nodes().stream().filter(n -> n.role() != null && n.timeline() != null).toList();
    Lab.Node primary = db.stream().filter(n -> "primary".equals(n.role())).findFirst()
        .orElseThrow(() -> new IllegalStateException("no node of the lab is primary: " + status.nodes()));
    List<Lab.Node> standbys = db.stream().filter(n -> "standby".equals(n.role())).toList();
    Optional<Lab.Node> found = switch (this) {
      case PRIMARY_CRASH, PRIMARY_STOP -> Optional.of(primary);
      case SYNC_UNREACHABLE -> synchronous(standbys).isPresent() && asynchronous(standbys).isPresent()
          ? Optional.of(primary) : Optional.empty();
      case CASCADE_CRASH -> standbys.stream()
          .filter(s -> standbys.stream().anyMatch(d -> s.name().equals(d.upstream()))).findFirst();
      case DOWNSTREAM_CRASH -> standbys.stream()
          .filter(s -> standbys.stream().noneMatch(d -> s.name().equals(d.upstream()))
              && !"sync".equals(s.syncState())).findFirst();
      case SWITCHOVER -> standbys.stream().filter(s -> "sync".equals(s.syncState())).findFirst();
    };
    return found.map(Lab.Node::name).orElseThrow(() -> new IllegalStateException(id + " needs "
        + switch (this) {
          case CASCADE_CRASH -> "a standby that another standby streams from";
          case DOWNSTREAM_CRASH -> "an asynchronous standby that no standby streams from";
          case SWITCHOVER -> "a synchronous standby";
          case SYNC_UNREACHABLE -> "a primary with a synchronous and an asynchronous standby";
          default -> "a primary";
        } + "; the lab now has " + describe(db)));
  }

  private static Optional<Lab.Node> synchronous(List<Lab.Node> standbys) {
    return standbys.stream().filter(s -> "sync".equals(s.syncState())).findFirst();
  }

  private static Optional<Lab.Node> asynchronous(List<Lab.Node> standbys) {
    return standbys.stream().filter(s -> !"sync".equals(s.syncState()) && s.upstream() != null).findFirst();
  }

  /** Injects the fault on {@code node} of the cluster as it was {@code before}; nothing for a switchover. */
  void inject(Lab lab, String node, Lab.Status before) throws InterruptedException {
    switch (this) {
      case PRIMARY_STOP -> lab.must("fault", "stop", node);
      case SWITCHOVER -> { }
      case SYNC_UNREACHABLE -> {
        List<Lab.Node> standbys = before.nodes().stream().filter(n -> "standby".equals(n.role())).toList();
        Lab.Node lagging = asynchronous(standbys).orElseThrow();
        lab.must("fault", "partition", lagging.name(), lagging.upstream());
        Thread.sleep(LAG_MS);
        lab.must("fault", "partition", synchronous(standbys).orElseThrow().name(), "automation");
        lab.must("fault", "crash", node);
      }
      default -> lab.must("fault", "crash", node);
    }
  }

  /** Whether the fault includes partitions, which the drill heals once pgpilot has decided. */
  boolean partitions() {
    return this == SYNC_UNREACHABLE;
  }

  /** Heals every partition of the database hosts. */
  static void heal(Lab lab, Lab.Status before) {
    before.nodes().forEach(n -> lab.must("fault", "heal", n.name()));
  }

  static String describe(List<Lab.Node> nodes) {
    return String.join(", ", nodes.stream().map(n -> n.name() + " " + n.role()
        + (n.upstream() == null ? "" : " of " + n.upstream()) + (n.syncState() == null ? "" : " (" + n.syncState() + ")")
        + " timeline " + n.timeline()).toList());
  }
}
