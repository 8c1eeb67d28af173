package io.pgpilot.lab.drill;

import io.pgpilot.core.ports.Instances;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.Filter;
import software.amazon.awssdk.services.ec2.model.Instance;
import software.amazon.awssdk.services.ec2.model.Tag;

/** The lab's EC2 instances, through the emulator's EC2 API as an operator's console reaches them. */
final class LabInstances {

  /** Longer than the lab's stopping and pending times (lab/instance_lifecycle.py). */
  static final Duration SETTLE_LIMIT = Duration.ofSeconds(180);

  private final Ec2Client ec2;
  private final String cluster;

  LabInstances(Ec2Client ec2, String cluster) {
    this.ec2 = ec2;
    this.cluster = cluster;
  }

  /** Every live instance of the lab's cluster. */
  private List<Instance> all() {
    return ec2.describeInstances(r -> r.filters(Filter.builder().name("tag:" + Instances.CLUSTER_TAG)
            .values(cluster).build())).reservations().stream().flatMap(r -> r.instances().stream())
        .filter(i -> !"terminated".equals(i.state().nameAsString())).toList();
  }

  private static String name(Instance instance) {
    return instance.tags().stream().filter(t -> t.key().equals(Instances.NAME_TAG)).map(Tag::value).findFirst()
        .orElse(null);
  }

  /** Every lab host's name (pgpilot:name), database hosts or not. */
  List<String> hostNames() {
    return all().stream().map(LabInstances::name).filter(Objects::nonNull).sorted().toList();
  }

  /** The instance named {@code name} (pgpilot:name). */
  String instanceId(String name) {
    return all().stream().filter(i -> name.equals(name(i))).map(Instance::instanceId).findFirst()
        .orElseThrow(() -> new IllegalStateException("no instance of cluster " + cluster + " is named " + name));
  }

  /** Gives {@code instanceId} the pgpilot:name {@code name}, as an operator's CreateTags would. */
  void rename(String instanceId, String name) {
    ec2.createTags(r -> r.resources(instanceId).tags(Tag.builder().key(Instances.NAME_TAG).value(name).build()));
  }

  String state(String instanceId) {
    return ec2.describeInstances(r -> r.instanceIds(instanceId)).reservations().get(0).instances().get(0)
        .state().nameAsString();
  }

  void start(String instanceId) {
    ec2.startInstances(r -> r.instanceIds(instanceId));
  }

  /** The instance's state once it is no longer pending or stopping (bounded by the lab's timings). */
  String settled(String instanceId) throws InterruptedException {
    long deadline = System.nanoTime() + SETTLE_LIMIT.toNanos();
    while (true) {
      String state = state(instanceId);
      if (!"pending".equals(state) && !"stopping".equals(state)) {
        return state;
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("instance " + instanceId + " still " + state + " after " + SETTLE_LIMIT);
      }
      Thread.sleep(250);
    }
  }
}
