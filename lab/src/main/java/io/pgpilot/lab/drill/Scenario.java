package io.pgpilot.lab.drill;

import io.pgpilot.lab.Lab;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/** A drill's fault: which node it hits, how, what tells the automation, and what must follow. */
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
  SYNC_UNREACHABLE("sync-unreachable", Trigger.MONITOR),
  /**
   * The primary loses the network to every other host and to the automation, and keeps running:
   * the monitor fails over; a client on the primary's side of the partition must never have a
   * commit acknowledged by it after the promotion (the drill's direct writer is that client).
   */
  ISOLATE_PRIMARY("isolate-primary", Trigger.MONITOR),
  /**
   * A primary crash failed over, then the old primary's instance is started again and boots as
   * EC2 boots it: its boot gate must keep PostgreSQL stopped (it is tagged rebuild) until pgpilot
   * rejoins it on its running event.
   */
  INSTANCE_RESTART("instance-restart", Trigger.MONITOR),
  /**
   * Only the automation's path to the primary is cut; replication and clients are unaffected:
   * pgpilot must not fail over, and writes never stop.
   */
  PARTITION_PROBE("partition-probe", Trigger.MONITOR),
  /**
   * A primary crash whose failover run is killed right after its promotion, as a Lambda timeout
   * kills one (no further step, no history, the lease never released): the next monitor tick
   * after the lease has run out must record the cut-off and complete the failover.
   */
  KILLED_MIDWAY("killed-midway", Trigger.MONITOR),
  /**
   * The primary's instance stops, and its `stopped` event is delivered five times at once (five
   * events): one run fails over; the others meet its lease (or come after it) and, delivered again
   * once it is done, find nothing to do.
   */
  CONCURRENT_EVENTS("concurrent-events", Trigger.INSTANCE_EVENTS_AT_ONCE),
  /**
   * Another instance of the cluster carries a bad tag (a pgpilot:name that is no host name) when
   * the primary crashes: the failover must still happen, and an alert name the excluded instance.
   */
  BAD_TAG("bad-tag", Trigger.MONITOR),
  /**
   * A false alarm: pgpool's path to the primary is cut for {@link #BLIP_MS} and comes back;
   * replication and the automation's probes are unaffected. pgpool detaches the primary and reports
   * it; pgpilot must confirm nothing, fail nothing over, and have pgpool re-attach the primary, so
   * that writes through pgpool resume soon after the path's return.
   */
  PGPOOL_BLIP("pgpool-blip", Trigger.MONITOR),
  /**
   * A primary crash fails over; then the WAL archive is restored into a separate node to a moment
   * after the failover ({@link Pitr}), which must hold exactly the commits acknowledged before it.
   * The archive's worst case: the primary is cut off from S3 and completes a WAL segment just
   * before it crashes, so the old timeline's last completed segment never reached the archive
   * from it (the promoted node must push it).
   */
  PITR("pitr", Trigger.MONITOR);

  /** How long a completed segment is given to reach the standbys before the primary crashes. */
  static final long STREAMED_MS = 300;

  /** How long the asynchronous standby is cut off before the primary crashes: commits it lacks. */
  static final long LAG_MS = 1_000;
  /** How long {@link #PGPOOL_BLIP} cuts pgpool's path to the primary (issue 13's false alarm: 2 s). */
  static final long BLIP_MS = 2_000;
  /** The pgpool host whose path {@link #PGPOOL_BLIP} cuts. */
  static final String PGPOOL_HOST = "pgpool1";
  /** The events of {@link #CONCURRENT_EVENTS}. */
  static final int CONCURRENT_DELIVERIES = 5;
  /** The instance {@link #BAD_TAG} gives a bad tag, and that tag: an underscore is in no host name (RFC 1123). */
  static final String BAD_TAG_HOST = "app1";
  static final String BAD_NAME = "app1_bad";
  /**
   * The settings of the functions that {@link #KILLED_MIDWAY} runs: a command timeout that the
   * lab's slowest step still fits (pgpilot-PgpoolBackends takes up to about 21 s while a backend
   * is down) and the shortest lease ClusterConfig allows with it (the command timeout + 30 s), so
   * that the run after the killed one comes a minute later, not three.
   */
  static final Map<String, String> SHORT_LEASE = Map.of("PGPILOT_LEASE_SECONDS", "60",
      "PGPILOT_COMMAND_TIMEOUT_SECONDS", "30");

  enum Trigger { MONITOR, INSTANCE_EVENT, INSTANCE_EVENTS_AT_ONCE, SWITCHOVER }

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
      case SYNC_UNREACHABLE -> synchronous(standbys).isPresent() && asynchronous(standbys).isPresent()
          ? Optional.of(primary) : Optional.empty();
      case CASCADE_CRASH -> standbys.stream()
          .filter(s -> standbys.stream().anyMatch(d -> s.name().equals(d.upstream()))).findFirst();
      case DOWNSTREAM_CRASH -> standbys.stream()
          .filter(s -> standbys.stream().noneMatch(d -> s.name().equals(d.upstream()))
              && !"sync".equals(s.syncState())).findFirst();
      case SWITCHOVER -> synchronous(standbys);
      default -> Optional.of(primary);
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

  /**
   * Injects the fault on {@code node} of the cluster as it was {@code before}; nothing for a
   * switchover. {@code instances}: the lab's EC2 instances, for the faults that go through the EC2 API.
   */
  void inject(Lab lab, LabInstances instances, String node, Lab.Status before) throws InterruptedException {
    switch (this) {
      case PRIMARY_STOP, CONCURRENT_EVENTS -> lab.must("fault", "stop", node);
      case SWITCHOVER -> { }
      case SYNC_UNREACHABLE -> {
        List<Lab.Node> standbys = before.nodes().stream().filter(n -> "standby".equals(n.role())).toList();
        Lab.Node lagging = asynchronous(standbys).orElseThrow();
        lab.must("fault", "partition", lagging.name(), lagging.upstream());
        Thread.sleep(LAG_MS);
        lab.must("fault", "partition", synchronous(standbys).orElseThrow().name(), "automation");
        lab.must("fault", "crash", node);
      }
      case ISOLATE_PRIMARY -> {
        List<String> peers = new ArrayList<>(instances.hostNames().stream().filter(h -> !h.equals(node)).toList());
        peers.add("automation");
        List<String> args = new ArrayList<>(List.of("fault", "partition", node));
        args.addAll(peers);
        lab.must(args.toArray(String[]::new));
      }
      case PARTITION_PROBE -> lab.must("fault", "partition", node, "automation");
      case PGPOOL_BLIP -> lab.must("fault", "partition", PGPOOL_HOST, node);
      case BAD_TAG -> {
        instances.rename(instances.instanceId(BAD_TAG_HOST), BAD_NAME);
        lab.must("fault", "crash", node);
      }
      case PITR -> {
        lab.must("fault", "partition", node, "s3");
        try (Connection c = lab.connectNode(node); Statement s = c.createStatement()) {
          s.execute("SELECT pg_switch_wal()");
        } catch (SQLException e) {
          throw new IllegalStateException("could not complete " + node + "'s WAL segment: " + e.getMessage(), e);
        }
        Thread.sleep(STREAMED_MS);
        lab.must("fault", "crash", node);
      }
      default -> lab.must("fault", "crash", node);
    }
  }

  /**
   * Whether the fault leaves something the drill undoes: partitions (PITR's from S3), a bad tag; once pgpilot has
   * decided, except {@link #PGPOOL_BLIP}'s, which lasts {@link #BLIP_MS} whatever pgpilot does.
   */
  boolean healed() {
    return this == SYNC_UNREACHABLE || this == ISOLATE_PRIMARY || this == PARTITION_PROBE || this == BAD_TAG
        || this == PGPOOL_BLIP || this == PITR;
  }

  /** Undoes what {@link #healed} says the fault left: every partition of the lab's hosts, the bad tag. */
  void heal(Lab lab, LabInstances instances, Lab.Status before) {
    if (this == BAD_TAG) {
      instances.rename(instances.instanceId(BAD_NAME), BAD_TAG_HOST);
    } else if (this == PGPOOL_BLIP) {
      lab.must("fault", "heal", PGPOOL_HOST);
    } else {
      before.nodes().forEach(n -> lab.must("fault", "heal", n.name()));
    }
  }

  /** Whether pgpilot is expected to act on a failure at all; not when only a path to a live primary is cut. */
  boolean expectsAction() {
    return this != PARTITION_PROBE && this != PGPOOL_BLIP;
  }

  /**
   * Whether a refusal with this reason is the decision this scenario waits for, which then ends
   * the fault (its partitions heal): in {@link #SYNC_UNREACHABLE}, the refusal to promote a node
   * not known to hold every acknowledged commit. Any other refusal is a step on the way (e.g. a
   * primary that a standby still streamed from a moment ago is not failed over yet), and the
   * fault lasts until pgpilot acts.
   */
  boolean endedByRefusal(String reason) {
    return this == SYNC_UNREACHABLE && reason.contains("refusing to promote");
  }

  /** Whether a standby is to be promoted (the timeline goes up by one), or the primary to stay. */
  boolean expectsPromotion() {
    return this != CASCADE_CRASH && this != DOWNSTREAM_CRASH && expectsAction();
  }

  /** Whether a client writing directly to the primary, not through pgpool, can tell a split brain from none. */
  boolean directWriter() {
    return this == ISOLATE_PRIMARY;
  }

  /** Whether the drill restarts the failed node's instance and awaits its rejoin afterwards. */
  boolean restoresInstance() {
    return this != SWITCHOVER && expectsAction();
  }

  /**
   * What a run showed that this scenario's expectations are about.
   *
   * @param action          the outcome of pgpilot's deciding run (the last of a refusal and its retry)
   * @param writeErrors     write errors through pgpool after the fault
   * @param deliveries      per event of {@link #CONCURRENT_EVENTS}: the outcome of each of its deliveries, in order
   * @param killed          whether the run was killed after its promotion ({@link #KILLED_MIDWAY})
   * @param cutOff          whether the history recorded the killed run as cut off
   * @param excluded        the instance given a bad tag ({@link #BAD_TAG}); excludedAlerted: an alert named it
   * @param bootGate        what the old primary's boot gate said when its instance was started ({@link #INSTANCE_RESTART})
   * @param rejoin          the outcome of that instance's running event
   * @param primaryAgain    when the old primary answered as a primary after the promotion; null when it did not
   */
  record Evidence(String primaryBefore, String primaryAfter, Integer timelineBefore, Integer timelineAfter,
      String action, Long rtoMs, int writeErrors, List<List<String>> deliveries, boolean killed, boolean cutOff,
      String excluded, boolean excludedAlerted, String bootGate, String rejoin, String primaryAgain) {}

  /** How the run fell short of this scenario's expectations; empty when it did not. */
  List<String> problems(Evidence e) {
    List<String> problems = new ArrayList<>();
    boolean promoted = e.primaryAfter() != null && !e.primaryAfter().equals(e.primaryBefore());
    if (expectsPromotion()) {
      if (!promoted) {
        problems.add("no standby was promoted: " + e.primaryBefore() + " before, " + e.primaryAfter() + " after");
      } else if (e.timelineBefore() == null || e.timelineAfter() == null
          || e.timelineAfter() != e.timelineBefore() + 1) {
        problems.add("the timeline went from " + e.timelineBefore() + " to " + e.timelineAfter() + ", not up by one:"
            + " not exactly one promotion");
      }
    } else if (promoted || !Objects.equals(e.timelineBefore(), e.timelineAfter())) {
      problems.add("a promotion where none was expected: " + e.primaryBefore() + " on timeline " + e.timelineBefore()
          + " before, " + e.primaryAfter() + " on timeline " + e.timelineAfter() + " after");
    }
    if (expectsAction() && trigger != Trigger.INSTANCE_EVENTS_AT_ONCE && !"COMPLETED".equals(e.action())) {
      problems.add("pgpilot's run ended " + e.action() + ", not COMPLETED");
    }
    switch (this) {
      case PARTITION_PROBE -> {
        if (!"OBSERVED".equals(e.action())) {
          problems.add("pgpilot acted (" + e.action() + ") although only its probe path to the primary was cut");
        }
        if (e.rtoMs() == null || e.rtoMs() != 0 || e.writeErrors() > 0) {
          problems.add("writes through pgpool stopped: RTO " + Report.seconds(e.rtoMs()) + ", " + e.writeErrors()
              + " write errors after the fault");
        }
      }
      case PGPOOL_BLIP -> {
        // OBSERVED: pgpool did not detach the primary in so short a cut (nothing to re-attach).
        if (!"REATTACHED".equals(e.action()) && !"OBSERVED".equals(e.action())) {
          problems.add("pgpilot's run ended " + e.action() + ", not REATTACHED, although only " + PGPOOL_HOST
              + "'s path to the live primary was cut");
        }
      }
      case KILLED_MIDWAY -> {
        if (!e.killed()) {
          problems.add("the failover run was not killed after a promotion: the scenario did not happen");
        }
        if (!e.cutOff()) {
          problems.add("the history records no run cut off after the fault");
        }
      }
      case CONCURRENT_EVENTS -> problems.addAll(concurrencyProblems(e.deliveries()));
      case BAD_TAG -> {
        if (!e.excludedAlerted()) {
          problems.add("no alert named " + e.excluded() + ", the instance with the bad tag");
        }
      }
      case INSTANCE_RESTART -> {
        if (e.bootGate() == null || !e.bootGate().contains("stays stopped")) {
          problems.add("the old primary's boot gate did not keep PostgreSQL stopped: " + e.bootGate());
        }
        if (!"COMPLETED".equals(e.rejoin())) {
          problems.add("its running event did not rejoin it: " + e.rejoin());
        }
        if (e.primaryAgain() != null) {
          problems.add("the old primary answered as a primary again: " + e.primaryAgain());
        }
      }
      default -> { }
    }
    return problems;
  }

  /**
   * {@link #CONCURRENT_EVENTS}: exactly one event's run completed the failover; every other either
   * found nothing to do, or met its lease and, delivered again, found nothing to do (a DUPLICATE
   * there would mean the event was kept as processed although it did nothing: dropped).
   */
  static List<String> concurrencyProblems(List<List<String>> deliveries) {
    List<String> problems = new ArrayList<>();
    long completed = deliveries.stream().filter(d -> !d.isEmpty() && d.get(d.size() - 1).equals("COMPLETED")).count();
    if (completed != 1) {
      problems.add(completed + " of the " + deliveries.size() + " events completed a run, not exactly one: "
          + String.join("; ", deliveries.stream().map(Drill::deliveries).toList()));
    }
    for (List<String> event : deliveries) {
      if (!event.equals(List.of("COMPLETED")) && !event.equals(List.of("NO_OP"))
          && !event.equals(List.of("LEASE_HELD", "NO_OP")) && !event.equals(List.of("LEASE_HELD", "COMPLETED"))) {
        problems.add("an event's deliveries were " + Drill.deliveries(event) + ": not NO_OP, nor LEASE_HELD then"
            + " NO_OP once the failover was done");
      }
    }
    return problems;
  }

  static String describe(List<Lab.Node> nodes) {
    return String.join(", ", nodes.stream().map(n -> n.name() + " " + n.role()
        + (n.upstream() == null ? "" : " of " + n.upstream()) + (n.syncState() == null ? "" : " (" + n.syncState() + ")")
        + " timeline " + n.timeline()).toList());
  }
}
