package io.pgpilot.adapters;

import io.pgpilot.core.ports.Notifier;
import software.amazon.awssdk.services.sns.SnsClient;

/** Publishes to the cluster's SNS topic: what happened and why, for the people on call. */
public final class SnsNotifier implements Notifier {

    /** SNS wants a subject "less than 100 characters long", without line breaks or control characters. */
    static final int MAX_SUBJECT = 99;

    private final SnsClient sns;
    private final String topicArn;

    public SnsNotifier(String topicArn) {
        this(AwsClients.fromEnvironment(SnsClient.builder()), topicArn);
    }

    public SnsNotifier(SnsClient sns, String topicArn) {
        this.sns = sns;
        this.topicArn = AwsClients.requireText(topicArn, "SNS topic ARN");
    }

    /** Returns SNS's message id. The subject is made to fit rather than refused: a notice must not fail on its title. */
    @Override
    public String publish(String subject, String message) {
        AwsClients.requireText(message, "notification message");
        String fitted = subject(subject);
        return sns.publish(r -> {
            r.topicArn(topicArn).message(message);
            if (!fitted.isEmpty()) {
                r.subject(fitted);
            }
        }).messageId();
    }

    /** Control characters and line breaks become spaces; a subject too long ends in "...". */
    static String subject(String subject) {
        if (subject == null) {
            return "";
        }
        StringBuilder clean = new StringBuilder();
        subject.codePoints().forEach(c -> clean.appendCodePoint(Character.isISOControl(c) ? ' ' : c));
        String text = clean.toString().strip();
        if (text.codePointCount(0, text.length()) <= MAX_SUBJECT) {
            return text;
        }
        return text.substring(0, text.offsetByCodePoints(0, MAX_SUBJECT - 3)).stripTrailing() + "...";
    }
}
