package io.pgpilot.lab.ssm;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.DescribeInstancesRequest;
import software.amazon.awssdk.services.ec2.model.Ec2Exception;
import software.amazon.awssdk.services.ec2.model.Filter;
import software.amazon.awssdk.services.ec2.model.Instance;
import software.amazon.awssdk.services.ec2.model.InstanceStateName;
import software.amazon.awssdk.services.ec2.model.Tag;

/**
 * Whom a SendCommand reaches, resolved through the emulator's EC2 as SSM resolves it: InstanceIds
 * exactly, tag targets ANDed across keys and ORed across values. The emulator's own resolution is
 * not used: moto sends an InstanceIds command to every instance it holds.
 */
final class Targets {

  /** A Targets entry: Key InstanceIds, tag:KEY or tag-key, and its values. */
  record Spec(String key, List<String> values) {}

  /**
   * One instance the command goes to. HOST is the lab host it runs on; empty when the command
   * cannot be delivered, and UNDELIVERABLE says why.
   */
  record Target(String instanceId, Optional<String> host, String undeliverable) {}

  private static final String NAME_TAG = "pgpilot:name";
  private static final int MAX_TARGETS = 5;
  private static final int MAX_VALUES = 50;
  /** An instance in these states is gone for SSM: not a target, and an error when named by id. */
  private static final Set<InstanceStateName> GONE = Set.of(InstanceStateName.SHUTTING_DOWN,
      InstanceStateName.TERMINATED);

  private final LabHosts hosts;

  Targets(LabHosts hosts) {
    this.hosts = hosts;
  }

  /** INSTANCEIDS or SPECS, exactly one of them, as SendCommand takes them. */
  List<Target> resolve(Ec2Client ec2, List<String> instanceIds, List<Spec> specs) {
    if (instanceIds.isEmpty() == specs.isEmpty()) {
      throw SsmError.validation("give either InstanceIds or Targets, not both and not neither");
    }
    if (specs.size() > MAX_TARGETS) {
      throw new SsmError("InvalidTarget", "at most " + MAX_TARGETS + " Targets, " + specs.size() + " given");
    }
    List<String> ids = new ArrayList<>(instanceIds);
    List<Filter> filters = new ArrayList<>();
    for (Spec spec : specs) {
      if (spec.values().isEmpty() || spec.values().size() > MAX_VALUES) {
        throw new SsmError("InvalidTarget", "target " + spec.key() + " needs 1 to " + MAX_VALUES + " values");
      }
      if (spec.key().equals("InstanceIds")) {
        ids.addAll(spec.values());
      } else if ((spec.key().startsWith("tag:") && spec.key().length() > 4) || spec.key().equals("tag-key")) {
        filters.add(Filter.builder().name(spec.key()).values(spec.values()).build());
      } else {
        throw new SsmError("InvalidTarget", "the lab resolves target keys InstanceIds, tag:KEY and tag-key,"
            + " not " + spec.key());
      }
    }
    List<String> named = ids.stream().distinct().toList();
    List<Instance> instances = describe(ec2, named, filters);
    if (filters.isEmpty()) {
      requireAll(named, instances);
      instances = instances.stream().sorted(Comparator.comparingInt(i -> named.indexOf(i.instanceId()))).toList();
    }
    return instances.stream().filter(i -> !GONE.contains(i.state().name())).map(this::target).toList();
  }

  private static List<Instance> describe(Ec2Client ec2, List<String> ids, List<Filter> filters) {
    DescribeInstancesRequest.Builder request = DescribeInstancesRequest.builder();
    if (!ids.isEmpty()) {
      request.instanceIds(ids);
    }
    if (!filters.isEmpty()) {
      request.filters(filters);
    }
    try {
      Map<String, Instance> found = new LinkedHashMap<>();
      ec2.describeInstancesPaginator(request.build()).reservations()
          .forEach(r -> r.instances().forEach(i -> found.put(i.instanceId(), i)));
      return List.copyOf(found.values());
    } catch (Ec2Exception e) {
      if (e.awsErrorDetails().errorCode().startsWith("InvalidInstanceID")) {
        throw new SsmError("InvalidInstanceId", e.awsErrorDetails().errorMessage());
      }
      throw e;
    }
  }

  /** SSM refuses the whole command when an instance it is given by id does not exist (any more). */
  private static void requireAll(List<String> ids, List<Instance> instances) {
    for (String id : ids) {
      boolean live = instances.stream().anyMatch(i -> i.instanceId().equals(id) && !GONE.contains(i.state().name()));
      if (!live) {
        throw new SsmError("InvalidInstanceId", "instance " + id + " does not exist or is terminated");
      }
    }
  }

  private static Optional<String> tag(Instance instance, String key) {
    return instance.tags().stream().filter(t -> t.key().equals(key)).map(Tag::value).findFirst();
  }

  private Target target(Instance instance) {
    if (instance.state().name() != InstanceStateName.RUNNING) {
      return new Target(instance.instanceId(), Optional.empty(), "the instance is " + instance.state().nameAsString());
    }
    // An instance launched by hand (one a cluster to adopt runs on) has only its Name.
    String name = tag(instance, NAME_TAG).orElseGet(() -> tag(instance, "Name").orElse(null));
    Optional<String> host = hosts.host(name, instance.privateIpAddress());
    return new Target(instance.instanceId(), host, host.isPresent() ? null
        : "no lab host is this instance (" + NAME_TAG + " " + name + ", address " + instance.privateIpAddress() + ")");
  }
}
