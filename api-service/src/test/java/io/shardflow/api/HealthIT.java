package io.shardflow.api;

import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import io.shardflow.api.security.Role;
import org.junit.jupiter.api.Test;

/**
 * Without a broker the health check answers, and says to an ADMIN which part is down, instead of waiting for Kafka;
 * anyone else gets the status alone.
 */
class HealthIT extends ApiITSupport {

    @Test
    void aMissingBrokerIsReportedDownWhileTheDatabaseIsUp() throws Exception {
        mvc.perform(get("/actuator/health").header("Authorization", "Bearer " + keyFor("default", Role.ADMIN)))
                .andExpect(status().isServiceUnavailable())
                .andExpect(jsonPath("$.status").value("DOWN"))
                .andExpect(jsonPath("$.components.kafka.status").value("DOWN"))
                .andExpect(jsonPath("$.components.db.status").value("UP"));
    }

    @Test
    void anyoneElseSeesTheStatusAlone() throws Exception {
        for (var path : new String[] {"/actuator/health", "/actuator/health/readiness"}) {
            mvc.perform(get(path))
                    .andExpect(status().isServiceUnavailable())
                    .andExpect(jsonPath("$.status").value("DOWN"))
                    .andExpect(jsonPath("$.components").doesNotExist());
        }
        mvc.perform(get("/actuator/health").header("Authorization", "Bearer " + keyFor(tenant, Role.OPERATOR)))
                .andExpect(jsonPath("$.components").doesNotExist());
    }
}
