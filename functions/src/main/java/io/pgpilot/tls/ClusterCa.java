package io.pgpilot.tls;

import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Base64;

/**
 * A cluster's TLS certificate authority: an EC P-256 key and its self-signed X.509 v3 CA
 * certificate, both PEM, as the nodes' bootstrap reads them (it signs each node's server and
 * backup-client certificate with them through openssl). Made with the JDK alone, DER written by
 * hand: the JDK has no public certificate builder, and a library for one certificate per cluster
 * would weigh on every function's cold start.
 */
public final class ClusterCa {

    /** As the nodes' own certificates: ten years. */
    public static final Duration VALIDITY = Duration.ofDays(3650);
    /** Clocks of the hosts that check the certificate may lag the function's. */
    static final Duration BACKDATE = Duration.ofHours(1);

    private static final byte[] BOOLEAN_TRUE = {0x01, 0x01, (byte) 0xFF};
    private static final int[] ECDSA_WITH_SHA256 = {1, 2, 840, 10045, 4, 3, 2};
    private static final int[] COMMON_NAME = {2, 5, 4, 3};
    private static final int[] BASIC_CONSTRAINTS = {2, 5, 29, 19};
    private static final int[] KEY_USAGE = {2, 5, 29, 15};
    private static final int[] SUBJECT_KEY_IDENTIFIER = {2, 5, 29, 14};
    private static final DateTimeFormatter UTC_TIME = DateTimeFormatter.ofPattern("yyMMddHHmmss'Z'").withZone(ZoneOffset.UTC);
    private static final DateTimeFormatter GENERALIZED_TIME =
            DateTimeFormatter.ofPattern("yyyyMMddHHmmss'Z'").withZone(ZoneOffset.UTC);

    private final String keyPem;
    private final String certificatePem;

    private ClusterCa(String keyPem, String certificatePem) {
        this.keyPem = keyPem;
        this.certificatePem = certificatePem;
    }

    /** A new CA named {@code commonName} (e.g. "pgpilot main CA"), valid from now for {@link #VALIDITY}. */
    public static ClusterCa create(String commonName, Instant now) {
        if (commonName == null || commonName.isBlank() || commonName.length() > 64
                || !commonName.chars().allMatch(c -> c >= 0x20 && c < 0x7f)) {
            throw new IllegalArgumentException("a CA's common name is 1 to 64 printable ASCII characters, got "
                    + (commonName == null ? "none" : commonName.length() + " characters"));
        }
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1"), new SecureRandom());
            KeyPair keys = generator.generateKeyPair();
            byte[] name = sequence(set(sequence(oid(COMMON_NAME), tlv(0x0C, commonName.getBytes(StandardCharsets.UTF_8)))));
            byte[] algorithm = sequence(oid(ECDSA_WITH_SHA256));
            byte[] extensions = tlv(0xA3, sequence(
                    sequence(oid(BASIC_CONSTRAINTS), BOOLEAN_TRUE, tlv(0x04, sequence(BOOLEAN_TRUE))),
                    // keyCertSign and cRLSign: bits 5 and 6, so 0b0000_0110 with one unused bit.
                    sequence(oid(KEY_USAGE), BOOLEAN_TRUE, tlv(0x04, tlv(0x03, new byte[] {1, 0x06}))),
                    sequence(oid(SUBJECT_KEY_IDENTIFIER), tlv(0x04, tlv(0x04, keyIdentifier((ECPublicKey) keys.getPublic()))))));
            byte[] tbs = sequence(
                    tlv(0xA0, integer(BigInteger.TWO)),
                    integer(serial()),
                    algorithm,
                    name,
                    sequence(time(now.minus(BACKDATE)), time(now.plus(VALIDITY))),
                    name,
                    keys.getPublic().getEncoded(),
                    extensions);
            Signature signer = Signature.getInstance("SHA256withECDSA");
            signer.initSign(keys.getPrivate());
            signer.update(tbs);
            byte[] certificate = sequence(tbs, algorithm, bitString(signer.sign()));
            return new ClusterCa(pem("PRIVATE KEY", keys.getPrivate().getEncoded()), pem("CERTIFICATE", certificate));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("this JVM cannot make an EC P-256 key or sign with it", e);
        }
    }

    /** PKCS #8, unencrypted: the secret that holds it is the protection. */
    public String keyPem() {
        return keyPem;
    }

    public String certificatePem() {
        return certificatePem;
    }

    @Override
    public String toString() {
        return "ClusterCa[key hidden]";
    }

    /** RFC 5280's method 1: SHA-1 of the public key's bits, here the uncompressed EC point. */
    private static byte[] keyIdentifier(ECPublicKey key) throws GeneralSecurityException {
        byte[] point = new byte[65];
        point[0] = 0x04;
        copyUnsigned(key.getW().getAffineX(), point, 1);
        copyUnsigned(key.getW().getAffineY(), point, 33);
        return MessageDigest.getInstance("SHA-1").digest(point);
    }

    private static void copyUnsigned(BigInteger value, byte[] into, int offset) {
        byte[] bytes = value.toByteArray();
        int start = bytes.length > 32 ? bytes.length - 32 : 0;
        int length = bytes.length - start;
        System.arraycopy(bytes, start, into, offset + 32 - length, length);
    }

    /** 16 random bytes, positive and without a leading zero byte. */
    private static BigInteger serial() {
        byte[] bytes = new byte[16];
        new SecureRandom().nextBytes(bytes);
        bytes[0] = (byte) ((bytes[0] & 0x7F) | 0x40);
        return new BigInteger(1, bytes);
    }

    /** UTCTime through 2049, GeneralizedTime after, as RFC 5280 asks. */
    private static byte[] time(Instant at) {
        boolean utc = at.atZone(ZoneOffset.UTC).getYear() < 2050;
        return tlv(utc ? 0x17 : 0x18, (utc ? UTC_TIME : GENERALIZED_TIME).format(at).getBytes(StandardCharsets.US_ASCII));
    }

    private static byte[] integer(BigInteger value) {
        return tlv(0x02, value.toByteArray());
    }

    private static byte[] bitString(byte[] bits) {
        byte[] content = new byte[bits.length + 1];
        System.arraycopy(bits, 0, content, 1, bits.length);
        return tlv(0x03, content);
    }

    private static byte[] oid(int[] arcs) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(arcs[0] * 40 + arcs[1]);
        for (int i = 2; i < arcs.length; i++) {
            int arc = arcs[i];
            int shift = 28;
            while (shift > 0 && (arc >>> shift) == 0) {
                shift -= 7;
            }
            for (; shift > 0; shift -= 7) {
                out.write(0x80 | ((arc >>> shift) & 0x7F));
            }
            out.write(arc & 0x7F);
        }
        return tlv(0x06, out.toByteArray());
    }

    private static byte[] sequence(byte[]... parts) {
        return tlv(0x30, concat(parts));
    }

    private static byte[] set(byte[]... parts) {
        return tlv(0x31, concat(parts));
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            out.writeBytes(part);
        }
        return out.toByteArray();
    }

    /** DER: tag, definite length (short form below 128, else long form), content. */
    static byte[] tlv(int tag, byte[] content) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(tag);
        int length = content.length;
        if (length < 0x80) {
            out.write(length);
        } else {
            int bytes = length > 0xFFFF ? 3 : length > 0xFF ? 2 : 1;
            out.write(0x80 | bytes);
            for (int i = bytes - 1; i >= 0; i--) {
                out.write((length >>> (8 * i)) & 0xFF);
            }
        }
        out.writeBytes(content);
        return out.toByteArray();
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n"
                + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }
}
