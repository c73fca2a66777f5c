package io.shardflow.api.dashboard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.verifyNoInteractions;
import static org.mockito.Mockito.when;

import io.shardflow.api.errors.BrokerUnavailableException;
import io.shardflow.api.errors.NotFoundException;
import io.shardflow.core.InvalidSpecException;
import io.shardflow.core.messaging.Topics;
import io.shardflow.messaging.SharedAdminClient;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.AdminClient;
import org.apache.kafka.clients.admin.DescribeTopicsResult;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.internals.KafkaFutureImpl;
import org.junit.jupiter.api.Test;
import org.springframework.kafka.core.KafkaTemplate;

/** What the queue page makes of the broker's answers: only a missing topic is an empty one. */
class QueueHealthTest {
    private final AdminClient admin = mock(AdminClient.class);
    private final SharedAdminClient shared = mock(SharedAdminClient.class);

    @SuppressWarnings("unchecked")
    private final QueueHealth health = new QueueHealth(shared, mock(KafkaTemplate.class));

    private void describingFails(String topic, Exception cause) {
        var failed = new KafkaFutureImpl<Map<String, TopicDescription>>();
        failed.completeExceptionally(cause);
        var result = mock(DescribeTopicsResult.class);
        when(result.allTopicNames()).thenReturn(failed);
        when(admin.describeTopics(List.of(topic))).thenReturn(result);
        when(shared.get()).thenReturn(admin);
    }

    @Test
    void aTopicNotCreatedYetHasNoPartitions() throws Exception {
        String dlt = Topics.JOBS + Topics.DEAD_LETTER_SUFFIX;
        describingFails(dlt, new UnknownTopicOrPartitionException("This server does not host this topic-partition."));

        assertThat(health.partitions(dlt)).isEmpty();
    }

    @Test
    void anyOtherFailureIsReportedNotTakenForAMissingTopic() {
        describingFails(Topics.JOBS, new TopicAuthorizationException("not authorized"));

        assertThatThrownBy(() -> health.partitions(Topics.JOBS))
                .isInstanceOf(ExecutionException.class)
                .hasCauseInstanceOf(TopicAuthorizationException.class);
    }

    @Test
    void onlyShardflowsTopicsAreInspectedOrReplayed() {
        assertThatThrownBy(() -> health.deadLetters("payments", 50))
                .isInstanceOf(NotFoundException.class)
                .hasMessageContaining("payments");
        assertThatThrownBy(() -> health.replay("payments" + Topics.DEAD_LETTER_SUFFIX, 0, 0))
                .isInstanceOf(NotFoundException.class)
                .hasMessageContaining("payments");
        verifyNoInteractions(shared);
    }

    @Test
    void aBrokerThatDoesNotAnswerIsUnavailableNotAServerError() {
        describingFails(Topics.JOB_REQUESTS, new org.apache.kafka.common.errors.TimeoutException("timed out"));

        assertThatThrownBy(health::topics)
                .isInstanceOf(BrokerUnavailableException.class)
                .hasMessage("the Kafka broker did not answer within 5 s; try again");

        describingFails(Topics.JOB_REQUESTS, new TopicAuthorizationException("Not authorized to access topics"));
        assertThatThrownBy(health::topics)
                .isInstanceOf(BrokerUnavailableException.class)
                .hasMessage("the Kafka broker refused: Not authorized to access topics");
    }

    @Test
    void onlyADeadLetterTopicIsReplayed() {
        assertThatThrownBy(() -> health.replay(Topics.JOBS, 0, 0))
                .isInstanceOf(InvalidSpecException.class)
                .hasMessageStartingWith("topic: '" + Topics.JOBS + "' is not a dead-letter topic");
        verifyNoInteractions(shared);
    }
}
