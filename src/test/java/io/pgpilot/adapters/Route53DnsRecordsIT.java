package io.pgpilot.adapters;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.pgpilot.lab.LabExtension;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.route53.Route53Client;
import software.amazon.awssdk.services.route53.model.ResourceRecordSet;
import software.amazon.awssdk.services.route53.model.VPCRegion;

/** The primary's record in a private hosted zone follows the primary. */
@ExtendWith(LabExtension.class)
class DnsRecordsIT {

  private static Route53Client route53;
  private static String zoneId;
  private static String zone;

  @BeforeAll
  static void createPrivateZone() {
    route53 = Emulator.client(Route53Client.builder());
    String vpc;
    try (Ec2Client ec2 = Emulator.client(Ec2Client.builder())) {
      vpc = ec2.createVpc(r -> r.cidrBlock("10.99.0.0/16")).vpc().vpcId();
    }
    zone = Emulator.unique("it") + ".pgpilot.internal";
    String region = Region.of(System.getenv().getOrDefault("AWS_REGION", "us-east-1")).id();
    zoneId = route53.createHostedZone(r -> r.name(zone).callerReference(zone)
            .hostedZoneConfig(c -> c.privateZone(true).comment("pgpilot adapter test"))
            .vpc(v -> v.vpcId(vpc).vpcRegion(VPCRegion.fromValue(region))))
        .hostedZone().id();
  }

  @AfterAll
  static void close() {
    route53.close();
  }

  @Test
  void givenAFailover_whenThePrimaryRecordIsUpsertedTwice_thenOneARecordWithTheNewAddress() {
    Route53DnsRecords records = new Route53DnsRecords(route53, zoneId);
    String name = "pg-primary." + zone;

    records.upsert(name, "10.87.0.11", Route53DnsRecords.DEFAULT_TTL);
    assertEquals(Optional.of("10.87.0.11"), records.address(name));

    records.upsert(name, "10.87.0.12", Route53DnsRecords.DEFAULT_TTL);
    records.upsert(name + ".", "10.87.0.12", Route53DnsRecords.DEFAULT_TTL);

    assertEquals(Optional.of("10.87.0.12"), records.address(name));
    List<ResourceRecordSet> sets = route53.listResourceRecordSets(r -> r.hostedZoneId(zoneId)).resourceRecordSets()
        .stream().filter(s -> s.name().equalsIgnoreCase(name + ".")).toList();
    assertEquals(1, sets.size(), sets::toString);
    assertEquals("A", sets.get(0).typeAsString());
    assertEquals(10L, sets.get(0).ttl());
    assertEquals(List.of("10.87.0.12"), sets.get(0).resourceRecords().stream().map(v -> v.value()).toList());
  }

  @Test
  void givenAnIpv6Address_whenUpserted_thenAnAaaaRecord() {
    Route53DnsRecords records = new Route53DnsRecords(route53, zoneId);
    String name = "pg-primary6." + zone;

    records.upsert(name, "fd00::12", Duration.ofSeconds(30));

    assertEquals(Optional.of("fd00::12"), records.address(name));
    assertEquals(Optional.empty(), records.address("nothing-here." + zone));
  }
}
