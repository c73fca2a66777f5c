package io.shardflow.api;

import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import org.junit.jupiter.api.Test;

/** Without a broker the health check answers, and says which part is down, instead of waiting for Kafka. */
class HealthIT extends ApiITSupport {

    @Test
    void aMissingBrokerIsReportedDownWhileTheDatabaseIsUp() throws Exception {
        mvc.perform(get("/actuator/health"))
                .andExpect(status().isServiceUnavailable())
                .andExpect(jsonPath("$.status").value("DOWN"))
                .andExpect(jsonPath("$.components.kafka.status").value("DOWN"))
                .andExpect(jsonPath("$.components.db.status").value("UP"));
    }
}
