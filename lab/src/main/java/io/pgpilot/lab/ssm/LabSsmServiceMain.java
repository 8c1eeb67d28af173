package io.pgpilot.lab.ssm;

import io.pgpilot.core.ClusterNames;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/**
 * Runs the lab SSM service until the process is stopped (SIGINT, SIGTERM):
 * <pre>
 *   LabSsmServiceMain [--port P] [--emulator URL] [--documents DIR] [--cluster C] [--region R]
 * </pre>
 * --port: 0 (the default) for any free port; --emulator: the AWS API emulator, by default
 * AWS_ENDPOINT_URL or the lab's http://127.0.0.1:45660; --documents: deploy the SSM documents of
 * DIR (ssm-documents/) to the emulator first, as cluster C deploys them (PGPILOT_CLUSTER, else
 * lab), in region R (AWS_REGION, else us-east-1). Prints
 * the endpoint to give the SSM client as AWS_ENDPOINT_URL_SSM.
 */
public final class LabSsmServiceMain {

  private static final String USAGE =
      "usage: LabSsmServiceMain [--port P] [--emulator URL] [--documents DIR] [--cluster C] [--region R]";

  private LabSsmServiceMain() {
  }

  public static void main(String[] args) throws Exception {
    int port = 0;
    URI emulator = URI.create(System.getenv().getOrDefault("AWS_ENDPOINT_URL", "http://127.0.0.1:45660"));
    Path documents = null;
    String region = System.getenv().getOrDefault("AWS_REGION", "us-east-1");
    String cluster = System.getenv().getOrDefault("PGPILOT_CLUSTER", "lab");
    for (int i = 0; i < args.length; i += 2) {
      if (i + 1 >= args.length) {
        exit(args[i] + " needs a value");
      }
      String value = args[i + 1];
      switch (args[i]) {
        case "--port" -> port = Integer.parseInt(value);
        case "--emulator" -> emulator = URI.create(value);
        case "--documents" -> documents = Path.of(value);
        case "--region" -> region = value;
        case "--cluster" -> cluster = value;
        default -> exit("unknown option " + args[i]);
      }
    }
    LabSsmService service = new LabSsmService(port, emulator);
    if (documents != null) {
      try (Emulator deployTo = new Emulator(emulator)) {
        List<String> deployed = DocumentDeployer.deploy(deployTo.ssm(region), documents, new ClusterNames(cluster));
        System.out.println("lab SSM service: documents deployed to the emulator: "
            + (deployed.isEmpty() ? "none changed" : String.join(" ", deployed)));
      }
    }
    URI uri = service.start();
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      service.close();
      stopped.countDown();
    }, "lab-ssm-stop"));
    System.out.println("lab SSM service: AWS_ENDPOINT_URL_SSM=" + uri);
    stopped.await();
  }

  private static void exit(String message) {
    System.err.println(message + "\n" + USAGE);
    System.exit(2);
  }
}
