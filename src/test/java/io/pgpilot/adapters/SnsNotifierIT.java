package io.pgpilot.adapters;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.pgpilot.lab.LabExtension;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.services.sns.SnsClient;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/** A notification reaches the topic's subscribers; an SQS queue subscribed to it shows what they get. */
@ExtendWith(LabExtension.class)
class SnsNotifierIT {

  @Test
  void givenASubscribedQueue_whenNotifiedWithAnOverlongMultiLineSubject_thenTheQueueGetsTheMessageUnderAFittedSubject()
      throws Exception {
    try (SnsClient sns = Emulator.client(SnsClient.builder()); SqsClient sqs = Emulator.client(SqsClient.builder())) {
      String topic = sns.createTopic(r -> r.name(Emulator.unique("pgpilot-it"))).topicArn();
      String queueUrl = sqs.createQueue(r -> r.queueName(Emulator.unique("pgpilot-it"))).queueUrl();
      String queueArn = sqs.getQueueAttributes(r -> r.queueUrl(queueUrl).attributeNames(QueueAttributeName.QUEUE_ARN))
          .attributes().get(QueueAttributeName.QUEUE_ARN);
      sns.subscribe(r -> r.topicArn(topic).protocol("sqs").endpoint(queueArn));
      String subject = "pgpilot main: failover from pg1 to pg2 completed\nbecause pg1 stopped; "
          + "pg2 was the synchronous standby, 0 bytes behind, timeline 2";
      String message = "pg2 is the primary (timeline 2).\nSteps: Fence pg1, Promote pg2, Repoint pg3.";

      String messageId = new SnsNotifier(sns, topic).publish(subject, message);

      List<Message> received = sqs.receiveMessage(r -> r.queueUrl(queueUrl).maxNumberOfMessages(10).waitTimeSeconds(2))
          .messages();
      assertEquals(1, received.size(), received::toString);
      JsonNode envelope = new ObjectMapper().readTree(received.get(0).body());
      assertEquals(messageId, envelope.get("MessageId").asText());
      assertEquals(message, envelope.get("Message").asText());
      String delivered = envelope.get("Subject").asText();
      assertEquals(99, delivered.length(), delivered);
      assertTrue(delivered.startsWith("pgpilot main: failover from pg1 to pg2 completed because pg1 stopped;"), delivered);
      assertTrue(delivered.endsWith("..."), delivered);
      sns.deleteTopic(r -> r.topicArn(topic));
      sqs.deleteQueue(r -> r.queueUrl(queueUrl));
    }
  }
}
