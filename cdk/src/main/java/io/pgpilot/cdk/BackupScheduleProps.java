package io.pgpilot.cdk;

import software.amazon.awscdk.services.kms.IKey;
import software.amazon.awscdk.services.sns.ITopic;

/**
 * Props of {@link BackupSchedule}.
 *
 * @param clusterName          the pgpilot:cluster tag of the instances (required)
 * @param stanza               the pgBackRest stanza ({@link WalArchive#stanza()}) (required)
 * @param topic                where a failed backup is told (required)
 * @param key                  the topic's key: EventBridge is let encrypt with it (required)
 * @param fullSchedule         EventBridge schedule of the full backups; @default cron(0 3 ? * SUN *), Sundays 03:00 UTC
 * @param differentialSchedule EventBridge schedule of the differential ones; @default cron(0 3 ? * MON-SAT *)
 */
public record BackupScheduleProps(String clusterName, String stanza, ITopic topic, IKey key, String fullSchedule,
                                  String differentialSchedule) {

  public BackupScheduleProps {
    Check.clusterName(clusterName);
    Check.required(stanza, "BackupScheduleProps.stanza");
    Check.required(topic, "BackupScheduleProps.topic");
    Check.required(key, "BackupScheduleProps.key");
    for (String schedule : new String[] {fullSchedule, differentialSchedule}) {
      if (schedule == null || !schedule.matches("(cron|rate)\\(.+\\)")) {
        throw new IllegalArgumentException("BackupScheduleProps: a schedule is an EventBridge cron(...) or rate(...)"
            + " expression, got '" + schedule + "'");
      }
    }
  }

  public static Builder builder() {
    return new Builder();
  }

  public static final class Builder {
    private String clusterName;
    private String stanza;
    private ITopic topic;
    private IKey key;
    private String fullSchedule = "cron(0 3 ? * SUN *)";
    private String differentialSchedule = "cron(0 3 ? * MON-SAT *)";

    public Builder clusterName(String value) {
      clusterName = value;
      return this;
    }

    public Builder stanza(String value) {
      stanza = value;
      return this;
    }

    public Builder topic(ITopic value) {
      topic = value;
      return this;
    }

    public Builder key(IKey value) {
      key = value;
      return this;
    }

    public Builder fullSchedule(String value) {
      fullSchedule = value;
      return this;
    }

    public Builder differentialSchedule(String value) {
      differentialSchedule = value;
      return this;
    }

    public BackupScheduleProps build() {
      return new BackupScheduleProps(clusterName, stanza, topic, key, fullSchedule, differentialSchedule);
    }
  }
}
