package io.pgpilot.ctl;

import io.pgpilot.adapters.AwsClients;
import io.pgpilot.core.ports.Instances;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.Filter;
import software.amazon.awssdk.services.ec2.model.HttpTokensState;
import software.amazon.awssdk.services.ec2.model.InstanceMetadataEndpointState;
import software.amazon.awssdk.services.ec2.model.InstanceMetadataTagsState;
import software.amazon.awssdk.services.ec2.model.InstanceStateName;
import software.amazon.awssdk.services.ec2.model.Tag;

/**
 * The EC2 side of adoption: the instances an operator names (by instance id or Name tag), which
 * carry no pgpilot tags yet, and the two changes adoption makes to them: instance metadata tags
 * on (the boot gate reads its role there) and pgpilot's tags.
 */
final class AdoptedInstances {

    /** A running instance as adoption reads it. */
    record Found(String instanceId, String address, Map<String, String> tags, boolean metadataTags) {
    }

    private final Ec2Client ec2;

    AdoptedInstances() {
        this(AwsClients.fromEnvironment(Ec2Client.builder()));
    }

    AdoptedInstances(Ec2Client ec2) {
        this.ec2 = ec2;
    }

    /** The running instances with these ids or Name tags, in the order named; refused when one is not found. */
    List<Found> named(List<String> idsOrNames) {
        List<Found> found = new ArrayList<>();
        for (String wanted : idsOrNames) {
            Filter filter = wanted.matches("i-[0-9a-f]{8,17}")
                    ? Filter.builder().name("instance-id").values(wanted).build()
                    : Filter.builder().name("tag:Name").values(wanted).build();
            List<Found> matches = running(filter);
            if (matches.size() != 1) {
                throw new Ctl.Refused(matches.isEmpty()
                        ? "no running instance has the id or Name tag " + wanted + "; nothing changed"
                        : matches.size() + " running instances are named " + wanted + " ("
                        + String.join(", ", matches.stream().map(Found::instanceId).toList())
                        + "): name them by instance id; nothing changed");
            }
            found.add(matches.get(0));
        }
        return found;
    }

    /** The running instances tagged with the cluster: an earlier adoption's nodes, and its other hosts. */
    List<Found> ofCluster(String cluster) {
        return running(Filter.builder().name("tag:" + Instances.CLUSTER_TAG).values(cluster).build());
    }

    private List<Found> running(Filter filter) {
        List<Found> found = new ArrayList<>();
        ec2.describeInstancesPaginator(r -> r.filters(filter,
                        Filter.builder().name("instance-state-name").values(InstanceStateName.RUNNING.toString()).build()))
                .reservations().forEach(reservation -> reservation.instances().forEach(i -> {
                    Map<String, String> tags = new LinkedHashMap<>();
                    i.tags().forEach(t -> tags.put(t.key(), t.value()));
                    boolean metadataTags = i.metadataOptions() != null
                            && i.metadataOptions().instanceMetadataTags() == InstanceMetadataTagsState.ENABLED;
                    found.add(new Found(i.instanceId(), i.privateIpAddress(), tags, metadataTags));
                }));
        return found;
    }

    /** Lets the instance's metadata serve its tags, IMDSv2 only, as CDK's launch templates set it. */
    void enableMetadataTags(String instanceId) {
        ec2.modifyInstanceMetadataOptions(r -> r.instanceId(instanceId).httpEndpoint(InstanceMetadataEndpointState.ENABLED)
                .httpTokens(HttpTokensState.REQUIRED).instanceMetadataTags(InstanceMetadataTagsState.ENABLED));
    }

    void tag(String instanceId, Map<String, String> tags) {
        ec2.createTags(r -> r.resources(instanceId)
                .tags(tags.entrySet().stream().map(e -> Tag.builder().key(e.getKey()).value(e.getValue()).build())
                        .toList()));
    }
}
