package io.pgpilot.cdk;

import java.util.Locale;

/** The database tier a cluster runs on. */
public enum Engine {
  /** PostgreSQL on three EC2 instances: primary, cascading standby, downstream standby. */
  EC2,
  /** Aurora PostgreSQL: a writer and two readers; Aurora fails over by itself. */
  AURORA;

  /** The context value: "ec2" or "aurora". */
  public String id() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static Engine of(String value) {
    for (Engine engine : values()) {
      if (engine.id().equals(value)) {
        return engine;
      }
    }
    throw new IllegalArgumentException("engine must be ec2 or aurora, got '" + value
        + "'; pass it as -c engine=ec2 or -c engine=aurora");
  }
}
