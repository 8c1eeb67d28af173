package io.pgpilot.lab.sensor;

import com.amazonaws.services.lambda.runtime.events.ScheduledEvent;
import com.amazonaws.services.lambda.runtime.serialization.events.LambdaEventSerializers;
import io.pgpilot.handlers.EventRouter;
import io.pgpilot.handlers.PgpoolSensorHandler;
import io.pgpilot.handlers.RunFailedException;
import io.pgpilot.lab.invoke.LocalContext;
import io.pgpilot.runner.Outcome;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * The lab's stand-in for EventBridge invoking the PgpoolSensor function. pgpool's failover_command
 * puts its report on the emulator's EventBridge (through lab/events_gateway.py), whose rule, the
 * deployed rule's pattern (lab/emulator.py), delivers the matching ones to a queue; this takes them
 * from there and calls the handler with each, as Lambda would. A report is deleted once the handler
 * returned; one whose run failed stays, to come back after the queue's visibility timeout, as
 * Lambda retries an asynchronous invocation that failed.
 */
public final class PgpoolReports implements AutoCloseable {

  /** One report handed to the handler: the event's id, its detail, and what pgpilot did. */
  public record Delivered(String eventId, Map<String, Object> detail, Outcome outcome) {}

  /** The lab's queue, in the lab's environment (`lab.sh env`). */
  public static final String QUEUE_VARIABLE = "PGPILOT_LAB_PGPOOL_REPORTS";

  private final SqsClient sqs = SqsClient.builder().httpClientBuilder(UrlConnectionHttpClient.builder()).build();
  private final String queueUrl;
  private final PgpoolSensorHandler handler;

  public PgpoolReports(Map<String, String> labEnvironment, EventRouter router) {
    this.queueUrl = labEnvironment.get(QUEUE_VARIABLE);
    if (queueUrl == null || queueUrl.isBlank()) {
      throw new IllegalStateException(QUEUE_VARIABLE + " is not in the lab's environment: a lab from before the"
          + " pgpool sensor; ./pgpilot lab down, then up");
    }
    this.handler = new PgpoolSensorHandler(router);
  }

  /** Drops the reports the queue holds, unread: those of what happened before. */
  public void discard() {
    List<Message> messages;
    do {
      messages = sqs.receiveMessage(r -> r.queueUrl(queueUrl).maxNumberOfMessages(10)).messages();
      messages.forEach(m -> sqs.deleteMessage(r -> r.queueUrl(queueUrl).receiptHandle(m.receiptHandle())));
    } while (!messages.isEmpty());
  }

  /** Whether a report waits in the queue within {@code limit}; none is taken from it. */
  public boolean awaitReport(Duration limit) throws InterruptedException {
    long deadline = System.nanoTime() + limit.toNanos();
    while (System.nanoTime() < deadline) {
      String waiting = sqs.getQueueAttributes(r -> r.queueUrl(queueUrl)
          .attributeNames(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES)).attributes()
          .get(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES);
      if (waiting != null && Integer.parseInt(waiting) > 0) {
        return true;
      }
      Thread.sleep(100);
    }
    return false;
  }

  /**
   * Waits up to {@code limit} for the first reports, then hands each that came to the handler, in
   * order; empty when none came.
   */
  public List<Delivered> deliver(Duration limit) throws InterruptedException {
    return deliver(limit, Duration.ZERO);
  }

  /** As {@link #deliver(Duration)}, handing them over {@code latency} after they came (EventBridge's and Lambda's). */
  public List<Delivered> deliver(Duration limit, Duration latency) throws InterruptedException {
    long deadline = System.nanoTime() + limit.toNanos();
    List<Message> messages = List.of();
    while (messages.isEmpty() && System.nanoTime() < deadline) {
      messages = sqs.receiveMessage(r -> r.queueUrl(queueUrl).maxNumberOfMessages(10)).messages();
      if (messages.isEmpty()) {
        Thread.sleep(100);
      }
    }
    if (!messages.isEmpty()) {
      Thread.sleep(latency.toMillis());
    }
    List<Delivered> delivered = new ArrayList<>();
    for (Message message : messages) {
      ScheduledEvent event = LambdaEventSerializers.serializerFor(ScheduledEvent.class,
          PgpoolReports.class.getClassLoader()).fromJson(message.body());
      Outcome outcome;
      try {
        outcome = handler.handleRequest(event, new LocalContext(PgpoolSensorHandler.class.getName()));
        sqs.deleteMessage(r -> r.queueUrl(queueUrl).receiptHandle(message.receiptHandle()));
      } catch (RunFailedException e) {
        outcome = e.outcome();
      }
      delivered.add(new Delivered(event.getId(), event.getDetail(), outcome));
    }
    return delivered;
  }

  @Override
  public void close() {
    sqs.close();
  }
}
