package io.pgpilot.adapters;

import io.pgpilot.core.Ec2State;
import io.pgpilot.core.Role;
import io.pgpilot.core.ports.Instance;
import io.pgpilot.core.ports.Instances;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.Ec2Exception;
import software.amazon.awssdk.services.ec2.model.Filter;
import software.amazon.awssdk.services.ec2.model.InstanceStateChange;
import software.amazon.awssdk.services.ec2.model.Reservation;
import software.amazon.awssdk.services.ec2.model.Tag;

/** {@link Instances} on EC2: DescribeInstances by tag (or by id), StopInstances, CreateTags. */
public final class Ec2Instances implements Instances {

    /** EC2's largest page; a cluster fits in one, and the paginator follows NextToken if not. */
    static final int PAGE_SIZE = 1000;

    private final Ec2Client ec2;
    private final int pageSize;

    public Ec2Instances() {
        this(AwsClients.fromEnvironment(Ec2Client.builder()));
    }

    public Ec2Instances(Ec2Client ec2) {
        this(ec2, PAGE_SIZE);
    }

    /** PAGE_SIZE: DescribeInstances' MaxResults, 5 to 1000; small only to prove pagination in a test. */
    public Ec2Instances(Ec2Client ec2, int pageSize) {
        if (pageSize < 5 || pageSize > 1000) {
            throw new IllegalArgumentException("DescribeInstances page size must be 5 to 1000, was " + pageSize);
        }
        this.ec2 = ec2;
        this.pageSize = pageSize;
    }

    @Override
    public List<Instance> describe(String cluster) {
        AwsClients.requireText(cluster, "cluster name");
        List<Instance> found = new ArrayList<>();
        ec2.describeInstancesPaginator(r -> r.maxResults(pageSize)
                        .filters(Filter.builder().name("tag:" + CLUSTER_TAG).values(cluster).build()))
                .reservations()
                .forEach(reservation -> reservation.instances().forEach(instance -> {
                    Map<String, String> tags = new LinkedHashMap<>();
                    instance.tags().forEach(tag -> tags.put(tag.key(), tag.value()));
                    String name = tags.get(NAME_TAG);
                    // Without a pgpilot:name it is not a host pgpilot manages: never a target of anything.
                    if (name != null && !name.isBlank()) {
                        found.add(new Instance(name, instance.instanceId(), instance.privateIpAddress(),
                                Ec2State.fromAws(instance.state().nameAsString()), tags.get(ROLE_TAG), tags,
                                instance.launchTime()));
                    }
                }));
        return List.copyOf(found);
    }

    @Override
    public Optional<Map<String, String>> tagsOf(String instanceId) {
        AwsClients.requireText(instanceId, "instance id");
        try {
            for (Reservation reservation : ec2.describeInstances(r -> r.instanceIds(instanceId)).reservations()) {
                for (software.amazon.awssdk.services.ec2.model.Instance instance : reservation.instances()) {
                    Map<String, String> tags = new LinkedHashMap<>();
                    instance.tags().forEach(tag -> tags.put(tag.key(), tag.value()));
                    return Optional.of(tags);
                }
            }
            return Optional.empty();
        } catch (Ec2Exception e) {
            // InvalidInstanceID.NotFound, or .Malformed for an id EC2 never issues.
            if (e.awsErrorDetails() != null && e.awsErrorDetails().errorCode() != null
                    && e.awsErrorDetails().errorCode().startsWith("InvalidInstanceID")) {
                return Optional.empty();
            }
            throw e;
        }
    }

    @Override
    public Map<String, Ec2State> stop(List<String> instanceIds, boolean force) {
        requireIds(instanceIds);
        Map<String, Ec2State> states = new LinkedHashMap<>();
        for (InstanceStateChange change : ec2.stopInstances(r -> r.instanceIds(instanceIds).force(force))
                .stoppingInstances()) {
            states.put(change.instanceId(), Ec2State.fromAws(change.currentState().nameAsString()));
        }
        return states;
    }

    @Override
    public void retag(Map<String, Role> rolesByInstanceId) {
        if (rolesByInstanceId == null || rolesByInstanceId.isEmpty()) {
            throw new IllegalArgumentException("nothing to retag: no instance ids given");
        }
        requireIds(List.copyOf(rolesByInstanceId.keySet()));
        // One call per instance, in order: a single CreateTags writes one value to all its resources
        // anyway, and the order is what keeps an interrupted retag from naming two primaries.
        rolesByInstanceId.forEach((instanceId, role) -> {
            if (role == null) {
                throw new IllegalArgumentException("role of " + instanceId + " is missing (null)");
            }
            ec2.createTags(r -> r.resources(instanceId)
                    .tags(Tag.builder().key(ROLE_TAG).value(role.tag()).build()));
        });
    }

    private static void requireIds(List<String> instanceIds) {
        if (instanceIds == null || instanceIds.isEmpty()) {
            throw new IllegalArgumentException("no instance ids given");
        }
        instanceIds.forEach(id -> AwsClients.requireText(id, "instance id"));
    }
}
