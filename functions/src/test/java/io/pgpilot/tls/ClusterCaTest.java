package io.pgpilot.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The CA as the nodes use it: openssl signs a node's certificate with it, and verifies the chain. */
class ClusterCaTest {

    private static final Instant NOW = Instant.parse("2026-12-06T22:00:00Z");

    @Test
    void theJdkReadsItAsASelfSignedCaValidForTenYears() throws Exception {
        ClusterCa ca = ClusterCa.create("pgpilot main CA", NOW);

        X509Certificate certificate = (X509Certificate) CertificateFactory.getInstance("X.509")
                .generateCertificate(new ByteArrayInputStream(ca.certificatePem().getBytes(StandardCharsets.US_ASCII)));

        certificate.verify(certificate.getPublicKey());
        assertEquals("CN=pgpilot main CA", certificate.getSubjectX500Principal().getName());
        assertEquals(certificate.getSubjectX500Principal(), certificate.getIssuerX500Principal());
        assertEquals(Integer.MAX_VALUE, certificate.getBasicConstraints(), "a CA without a path length limit");
        assertTrue(certificate.getKeyUsage()[5] && certificate.getKeyUsage()[6], "keyCertSign and cRLSign");
        assertEquals(3, certificate.getVersion());
        certificate.checkValidity(Date.from(NOW));
        certificate.checkValidity(Date.from(NOW.plus(ClusterCa.VALIDITY).minusSeconds(60)));
        assertTrue(ca.keyPem().startsWith("-----BEGIN PRIVATE KEY-----\n"));
        assertFalse(ca.toString().contains("PRIVATE"), "toString never shows the key");
    }

    @Test
    void opensslSignsANodesCertificateWithItAndVerifiesTheChain(@TempDir Path dir) throws Exception {
        ClusterCa ca = ClusterCa.create("pgpilot main CA", Instant.now());
        Files.writeString(dir.resolve("ca.crt"), ca.certificatePem());
        Files.writeString(dir.resolve("ca.key"), ca.keyPem());

        // As bootstrap-postgres.sh makes a node's server certificate.
        openssl(dir, "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-subj", "/CN=pg1",
                "-keyout", "server.key", "-out", "server.csr");
        Files.writeString(dir.resolve("san.ext"), "subjectAltName=DNS:pg1,IP:10.80.1.11\n");
        openssl(dir, "x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
                "-days", "3650", "-out", "server.crt", "-extfile", "san.ext");

        assertTrue(openssl(dir, "verify", "-CAfile", "ca.crt", "server.crt").contains("server.crt: OK"));
        assertTrue(openssl(dir, "x509", "-in", "ca.crt", "-noout", "-text").contains("CA:TRUE"));
    }

    @Test
    void twoCasAreTwoKeys() {
        assertFalse(ClusterCa.create("a", NOW).keyPem().equals(ClusterCa.create("a", NOW).keyPem()));
    }

    @Test
    void aNameThatIsNoPrintableTextIsRefused() {
        for (String bad : new String[] {null, "", " ", "x".repeat(65), "a\nb", "caf\u00e9"}) {
            assertThrows(IllegalArgumentException.class, () -> ClusterCa.create(bad, NOW));
        }
    }

    @Test
    void aLongContentGetsTheLongFormOfItsLength() {
        assertEquals(List.of(0x04, 0x81, 200), head(ClusterCa.tlv(0x04, new byte[200]), 3));
        assertEquals(List.of(0x04, 0x82, 0x01, 0x2C), head(ClusterCa.tlv(0x04, new byte[300]), 4));
        assertEquals(List.of(0x04, 0x7F), head(ClusterCa.tlv(0x04, new byte[127]), 2));
    }

    private static List<Integer> head(byte[] bytes, int n) {
        List<Integer> head = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            head.add(bytes[i] & 0xFF);
        }
        return head;
    }

    private static String openssl(Path dir, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("openssl"));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), "openssl " + args[0] + " did not finish");
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), "openssl " + String.join(" ", args) + ": " + out);
        return out;
    }
}
