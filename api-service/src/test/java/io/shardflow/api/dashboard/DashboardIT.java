package io.shardflow.api.dashboard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.security.test.web.servlet.request.SecurityMockMvcRequestPostProcessors.csrf;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.content;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import io.shardflow.api.ApiITSupport;
import java.time.Duration;
import org.hamcrest.Matchers;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.MediaType;
import org.springframework.scheduling.config.FixedDelayTask;
import org.springframework.scheduling.config.ScheduledTask;
import org.springframework.scheduling.config.ScheduledTaskHolder;

/** The dashboard's pages over MockMvc. */
class DashboardIT extends ApiITSupport {
    private static final String BROWSER = "text/html,application/xhtml+xml,*/*;q=0.8";

    @Autowired
    private ScheduledTaskHolder scheduled;

    @Test
    void theStreamIsScheduledAtTheConfiguredRefresh() {
        // the API's fixed-delay tasks: the stream's broadcast, at shardflow.api.dashboard-refresh (1s), and the
        // sweep of unfinished model registrations (1 min)
        assertThat(scheduled.getScheduledTasks())
                .map(ScheduledTask::getTask)
                .filteredOn(FixedDelayTask.class::isInstance)
                .map(task -> ((FixedDelayTask) task).getIntervalDuration())
                .containsExactlyInAnyOrder(Duration.ofSeconds(1), Duration.ofMinutes(1));
    }

    @AfterEach
    void backToNow() {
        clock.reset();
    }

    @Test
    void ageIsTakenFromTheClock() throws Exception {
        String id = json(mvc.perform(postJson("/api/v1/jobs", inferenceJob(linearModel(), points(), 2)))
                        .andExpect(status().isAccepted())
                        .andReturn())
                .get("id")
                .asString();

        clock.advance(Duration.ofHours(3));

        mvc.perform(get("/dashboard/jobs").param("q", id).with(operator()))
                .andExpect(status().isOk())
                .andExpect(content().string(Matchers.containsString("data-job=\"" + id + "\"")))
                .andExpect(content().string(Matchers.containsString("<td>3 h</td>")));
        mvc.perform(get("/dashboard/jobs/" + id).with(operator()))
                .andExpect(status().isOk())
                .andExpect(content().string(Matchers.containsString("age <span>3 h</span>")));
    }

    @Test
    void inspectingATopicThatIsNotShardflowsIsNotFound() throws Exception {
        // no broker listens: the answer comes before anything is asked of one
        mvc.perform(get("/queues")
                        .param("inspect", "payments")
                        .header("Accept", BROWSER)
                        .with(operator()))
                .andExpect(status().isNotFound())
                .andExpect(content().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON))
                .andExpect(jsonPath("$.status").value(404))
                .andExpect(jsonPath("$.detail").value(Matchers.containsString("topic payments")));
        mvc.perform(post("/queues/replay")
                        .param("topic", "payments.DLT")
                        .param("partition", "0")
                        .param("offset", "0")
                        .param("inspect", "payments")
                        .with(operator())
                        .with(csrf()))
                .andExpect(status().isNotFound())
                .andExpect(jsonPath("$.detail").value(Matchers.containsString("topic payments")));
    }
}
