package io.pgpilot.cdk;

import java.util.Locale;

/** The database tier a cluster runs on. */
public enum Engine {
  /** PostgreSQL on three EC2 instances: primary, cascading standby, downstream standby. */
  EC2,
  /** Aurora PostgreSQL: a writer and two readers; Aurora fails over by itself. */
  AURORA,
  /**
   * PostgreSQL on EC2 instances of your own, tagged pgpilot:cluster (pgpilot ctl adopt): pgpilot
   * deploys only the automation (and pgpool), no database instance.
   */
  EXISTING;

  /** The context value: "ec2", "aurora" or "existing". */
  public String id() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** PGPILOT_ENGINE of the functions and pgpool hosts: existing instances are PostgreSQL on EC2 to them. */
  public String runtime() {
    return this == AURORA ? AURORA.id() : EC2.id();
  }

  public static Engine of(String value) {
    for (Engine engine : values()) {
      if (engine.id().equals(value)) {
        return engine;
      }
    }
    throw new IllegalArgumentException("engine must be ec2, aurora or existing, got '" + value
        + "'; pass it as -c engine=ec2, -c engine=aurora or -c engine=existing");
  }
}
