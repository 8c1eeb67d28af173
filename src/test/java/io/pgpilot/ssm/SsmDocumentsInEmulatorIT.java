package io.pgpilot.ssm;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.pgpilot.lab.LabExtension;
import io.pgpilot.lab.ssm.SsmDocument;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import software.amazon.awssdk.core.retry.RetryPolicy;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.services.ssm.SsmClient;
import software.amazon.awssdk.services.ssm.model.DocumentDescription;
import software.amazon.awssdk.services.ssm.model.DocumentFormat;
import software.amazon.awssdk.services.ssm.model.DocumentParameter;
import software.amazon.awssdk.services.ssm.model.DocumentType;

/** Every document is accepted by SSM's CreateDocument as the file it is, as CDK will deploy it. */
@ExtendWith(LabExtension.class)
class SsmDocumentsInEmulatorIT {

  static Stream<SsmDocument> documents() throws Exception {
    return SsmDocumentTest.documents();
  }

  @ParameterizedTest
  @MethodSource("documents")
  void createDocumentAcceptsIt(SsmDocument document) {
    try (SsmClient ssm = SsmClient.builder()
        .httpClientBuilder(UrlConnectionHttpClient.builder())
        .overrideConfiguration(o -> o.retryPolicy(RetryPolicy.none()))
        .build()) {
      // The emulator outlives a test run when the lab was already up.
      if (!ssm.listDocuments(r -> r.filters(f -> f.key("Name").values(document.name()))).documentIdentifiers().isEmpty()) {
        ssm.deleteDocument(r -> r.name(document.name()));
      }
      DocumentDescription created = ssm.createDocument(r -> r.name(document.name())
          .content(document.content())
          .documentFormat(DocumentFormat.YAML)
          .documentType(DocumentType.COMMAND)).documentDescription();
      assertEquals(document.name(), created.name());
      assertEquals("2.2", created.schemaVersion());
      Set<String> parameters = created.parameters().stream().map(DocumentParameter::name).collect(Collectors.toSet());
      assertEquals(document.parameters().keySet(), parameters);
    }
  }
}
