package io.pgpilot.cdk;

import java.nio.file.Path;

/**
 * Props of {@link ClusterCa}.
 *
 * @param clusterName the cluster whose CA it is: the certificate's name, "pgpilot NAME CA" (required)
 * @param code        the functions' jar, which holds the function that makes the CA (required)
 */
public record ClusterCaProps(String clusterName, Path code) {

  public ClusterCaProps {
    Check.clusterName(clusterName);
    Check.required(code, "ClusterCaProps.code");
  }

  public static Builder builder() {
    return new Builder();
  }

  public static final class Builder {
    private String clusterName;
    private Path code;

    public Builder clusterName(String value) {
      clusterName = value;
      return this;
    }

    public Builder code(Path value) {
      code = value;
      return this;
    }

    public ClusterCaProps build() {
      return new ClusterCaProps(clusterName, code);
    }
  }
}
