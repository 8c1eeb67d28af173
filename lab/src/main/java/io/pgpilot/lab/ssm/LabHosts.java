package io.pgpilot.lab.ssm;

import java.io.IOException;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * The lab's hosts are network namespaces named after them. An EC2 instance in the emulator is a
 * lab host when its pgpilot:name (or, untagged yet, its Name) names a namespace that holds the
 * instance's private address:
 * tests create instances named pg1 in clusters of their own, and a command sent to one of those
 * must not run on the lab's pg1.
 */
final class LabHosts {

  private static final Pattern NAME = Pattern.compile("^[a-z0-9][a-z0-9-]{0,30}$");

  /** The namespace of the instance named NAME at ADDRESS; empty when no lab host is that instance. */
  Optional<String> host(String name, String address) {
    if (name == null || address == null || !NAME.matcher(name).matches()) {
      return Optional.empty();
    }
    return addresses(name).contains(address) ? Optional.of(name) : Optional.empty();
  }

  /** The namespace's IPv4 addresses; none when there is no such namespace. */
  private static List<String> addresses(String namespace) {
    try {
      Process ip = new ProcessBuilder("ip", "-netns", namespace, "-4", "-oneline", "address", "show")
          .redirectErrorStream(true).start();
      String out = new String(ip.getInputStream().readAllBytes());
      if (!ip.waitFor(10, TimeUnit.SECONDS) || ip.exitValue() != 0) {
        return List.of();
      }
      // "2: eth0    inet 10.87.0.11/24 brd ..." -> 10.87.0.11
      return out.lines()
          .map(line -> line.split("\\s+"))
          .filter(f -> f.length > 3 && f[2].equals("inet"))
          .map(f -> f[3].replaceFirst("/.*", ""))
          .toList();
    } catch (IOException e) {
      throw new IllegalStateException("cannot read the addresses of lab host " + namespace, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }
}
