package io.pgpilot.cdk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** Bad input is refused before anything is built, with what was wrong, what came and how to fix it. */
class PropsTest {

  private static String refused(Executable build) {
    return assertThrows(IllegalArgumentException.class, build).getMessage();
  }

  private static PgpilotClusterProps.Builder valid() {
    return PgpilotClusterProps.builder().clusterName("main").allowedCidrs(List.of("10.0.0.0/8"))
        .lambdaCode(Path.of("x.jar")).ssmDocuments(Path.of("ssm-documents"));
  }

  @Test
  void validPropsBuildWithDocumentedDefaults() {
    PgpilotClusterProps props = valid().build();
    assertEquals(Engine.EC2, props.engine());
    assertEquals("10.80.0.0/16", props.vpcCidr());
    assertEquals(1, props.natGateways());
    assertEquals(2, props.pgpoolCapacity());
    assertTrue(props.terminationProtection());
    assertTrue(props.pgpool());
    assertEquals(null, props.vpc());
    assertEquals("10.80.0.0/16", props.replicationCidr(), "the made VPC's range");
  }

  @Test
  void badClusterNamesCidrsAndEnginesAreRefused() {
    assertTrue(refused(() -> valid().clusterName("bad name").build()).contains("got 'bad name'"));
    assertTrue(refused(() -> valid().allowedCidrs(List.of()).build()).contains("at least one IPv4 CIDR"));
    assertTrue(refused(() -> valid().allowedCidrs(List.of("0.0.0.0")).build()).contains("got '0.0.0.0'"));
    assertTrue(refused(() -> valid().allowedCidrs(List.of("10.0.0.0/33")).build()).contains("IPv4 CIDR"));
    assertTrue(refused(() -> Engine.of("rds")).contains("-c engine=ec2"));
    assertTrue(refused(() -> Engine.of("rds")).contains("-c engine=existing"));
    assertTrue(refused(() -> valid().vpcCidr("10.0.0.0").build()).contains("vpcCidr"));
  }

  @Test
  void aDnsRecordNeedsBothZoneAndName() {
    String message = refused(() -> FailoverAutomationProps.builder().clusterName("main")
        .vpc(Synth.ec2().cluster().network().vpc()).subnets(Synth.ec2().cluster().network().privateSubnets())
        .code(Synth.root().resolve(PgpilotApp.LAMBDA_JAR)).documents(Synth.ec2().cluster().documents())
        .database(Synth.ec2().cluster().database()).replicationCidr("10.80.0.0/16")
        .hostedZoneId("Z0123456789ABCDEFGHIJ").build());
    assertTrue(message.contains("hostedZoneId and dnsName go together"), message);
  }

  @Test
  void failureAlertsNeedATopicToTellAndAKeyForTheirQueue() {
    FailureAlertsProps.Builder props = FailureAlertsProps.builder().clusterName("main").functions(Map.of())
        .asyncInvocations(Map.of());
    assertTrue(refused(props::build).contains("FailureAlertsProps.topic is required"));
    String message = refused(() -> props.topic(Synth.ec2().cluster().automation().topic()).build());
    assertTrue(message.contains("FailureAlertsProps.key is required"), message);
  }

  @Test
  void aMissingLambdaJarSaysHowToBuildIt() {
    String message = refused(() -> FailoverAutomationProps.builder().clusterName("main")
        .vpc(Synth.ec2().cluster().network().vpc()).subnets(Synth.ec2().cluster().network().privateSubnets())
        .code(Path.of("/nonexistent/lambda.jar")).build());
    assertTrue(message.contains("mvn -pl functions package"), message);
  }
}
