package io.pgpilot.adapters;

import io.pgpilot.core.ClusterNames;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.ssm.SsmClient;
import software.amazon.awssdk.services.ssm.model.CommandInvocation;
import software.amazon.awssdk.services.ssm.model.ListCommandInvocationsRequest;
import software.amazon.awssdk.services.ssm.model.ListCommandInvocationsResponse;

/** How often a command's result is asked for while it runs, and which commands still run on an instance. */
class SsmCommandsTest {

    @Test
    void givenPollPauses_whenRepeated_thenTheyGrowByHalfUpToTwoSeconds() {
        List<Long> pauses = new ArrayList<>();
        Duration pause = SsmCommands.FIRST_POLL;
        for (int i = 0; i < 10; i++) {
            pauses.add(pause.toMillis());
            pause = SsmCommands.nextPause(pause);
        }
        assertEquals(List.of(100L, 150L, 225L, 337L, 506L, 759L, 1139L, 1708L, 2000L, 2000L), pauses);
    }

    @Test
    void givenTwoPagesOfInvocations_whenAskedWhatRuns_thenTheClustersDocumentsUnfinishedOnesOfEveryPage() {
        List<ListCommandInvocationsRequest> asked = new ArrayList<>();
        SsmClient ssm = new SsmClient() {
            @Override
            public ListCommandInvocationsResponse listCommandInvocations(ListCommandInvocationsRequest request) {
                asked.add(request);
                return request.nextToken() == null
                        ? ListCommandInvocationsResponse.builder().nextToken("page-2").commandInvocations(
                                invocation("cmd-9", "pgpilot-a-UpdateHosts", "InProgress"),
                                invocation("cmd-8", "pgpilot-a-RebuildStandby", "Failed")).build()
                        : ListCommandInvocationsResponse.builder().commandInvocations(
                                invocation("cmd-7", "pgpilot-a-RebuildStandby", "InProgress"),
                                invocation("cmd-5", "pgpilot-b-RebuildStandby", "InProgress"),
                                invocation("cmd-6", "pgpilot-a-RebuildStandby", "Success")).build();
            }

            @Override
            public String serviceName() {
                return "ssm";
            }

            @Override
            public void close() {
            }
        };

        List<String> running = new SsmCommands(ssm, new ClusterNames("a")).running("pgpilot-RebuildStandby", "i-0abc");

        assertEquals(List.of("cmd-7"), running, "this cluster's unfinished rebuilds, not another cluster's");
        assertEquals(2, asked.size(), "every page: SSM promises no order");
        assertEquals("i-0abc", asked.get(0).instanceId());
        assertEquals(List.of(), asked.get(0).filters(), "no Filters: the lab's SSM service serves none");
    }

    private static CommandInvocation invocation(String commandId, String document, String status) {
        return CommandInvocation.builder().commandId(commandId).instanceId("i-0abc").documentName(document)
                .status(status).build();
    }
}
