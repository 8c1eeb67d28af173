package io.pgpilot.lab.drill;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What AWS adds that the lab does not (the drill's --aws-latency): each a delay the lab's services
 * put where AWS would. The defaults are public figures or this project's own measurements, named
 * in {@link #sources()}; the instance lifecycle (StopInstances to stopped) is the lab's in every
 * mode (lab/instance_lifecycle.py).
 *
 * @param ssmDelivery    SendCommand to the command running on the host
 * @param eventDelivery  an event put (pgpool's report, EC2's state change) to its rule's target invoked
 * @param lambdaStart    a function's start on an event: a cold start, since the functions that
 *                       events invoke run only at a failure; the monitor's sentinel runs warm
 */
record AwsLatency(Duration ssmDelivery, Duration eventDelivery, Duration lambdaStart) {

  /** The lab as it is: everything at once. */
  static final AwsLatency NONE = new AwsLatency(Duration.ZERO, Duration.ZERO, Duration.ZERO);

  /** The model's defaults. */
  static final AwsLatency MODEL = new AwsLatency(Duration.ofSeconds(5), Duration.ofMillis(500), Duration.ofSeconds(1));

  /** From an event put to its handler running: delivery, then a cold start. */
  Duration toHandler() {
    return eventDelivery.plus(lambdaStart);
  }

  Map<String, Object> settings() {
    Map<String, Object> settings = new LinkedHashMap<>();
    settings.put("ssmDeliveryMs", ssmDelivery.toMillis());
    settings.put("eventDeliveryMs", eventDelivery.toMillis());
    settings.put("lambdaStartMs", lambdaStart.toMillis());
    settings.put("sources", sources());
    return settings;
  }

  static Map<String, String> sources() {
    return Map.of(
        "ssmDeliveryMs", "no latency is published for Run Command; a public log shows about 5 s from SendCommand to"
            + " the result of a trivial command (FINDINGS.md), taken here as the delivery alone",
        "eventDeliveryMs", "EventBridge's typical delivery latency, about half a second (AWS), for pgpool's reports and"
            + " EC2's state-change events alike",
        "lambdaStartMs", "this project's measured cold start of an event handler, 0.8-1.0 s on 2 vCPU"
            + " (./pgpilot bench cold-start, README)");
  }
}
