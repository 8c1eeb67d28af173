package io.pgpilot.cdk;

/**
 * Props of {@link BackupSchedule}.
 *
 * @param clusterName          the pgpilot:cluster tag of the instances (required)
 * @param automation           its Backup function takes the backups; its topic tells the failed ones
 *                             (required, with an archive: {@link FailoverAutomationProps#archiveStanza()})
 * @param fullSchedule         EventBridge schedule of the full backups; @default cron(0 3 ? * SUN *), Sundays 03:00 UTC
 * @param differentialSchedule EventBridge schedule of the differential ones; @default cron(0 3 ? * MON-SAT *)
 */
public record BackupScheduleProps(String clusterName, FailoverAutomation automation, String fullSchedule,
                                  String differentialSchedule) {

  public BackupScheduleProps {
    Check.clusterName(clusterName);
    Check.required(automation, "BackupScheduleProps.automation");
    if (!automation.aliases().containsKey(BackupSchedule.FUNCTION)) {
      throw new IllegalArgumentException("BackupScheduleProps.automation has no Backup function: give its props an"
          + " archiveStanza (the cluster's WAL archive)");
    }
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
    private FailoverAutomation automation;
    private String fullSchedule = "cron(0 3 ? * SUN *)";
    private String differentialSchedule = "cron(0 3 ? * MON-SAT *)";

    public Builder clusterName(String value) {
      clusterName = value;
      return this;
    }

    public Builder automation(FailoverAutomation value) {
      automation = value;
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
      return new BackupScheduleProps(clusterName, automation, fullSchedule, differentialSchedule);
    }
  }
}
