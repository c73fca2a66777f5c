package io.shardflow.api.errors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.shardflow.api.json.JsonErrors;
import io.shardflow.api.json.JsonLimits;
import org.junit.jupiter.api.Test;
import org.springframework.http.HttpStatus;
import org.springframework.mock.web.MockHttpServletResponse;
import org.springframework.util.unit.DataSize;

/** What the last-resort handler answers, and that it adds nothing to an answer already begun. */
class ProblemHandlerTest {
    private final ProblemHandler handler =
            new ProblemHandler(new JsonErrors(new JsonLimits(16, 1_000, 32, DataSize.ofKilobytes(4))));

    @Test
    void anUnforeseenFailureIsA500ProblemWhileNothingWasSent() throws Exception {
        var answer = handler.unexpected(new IllegalStateException("boom"), new MockHttpServletResponse());

        assertThat(answer).isNotNull();
        assertThat(answer.getStatusCode()).isEqualTo(HttpStatus.INTERNAL_SERVER_ERROR);
        assertThat(answer.getBody().getDetail()).doesNotContain("boom");
    }

    @Test
    void aFailureAfterTheAnswerWentOutAddsNothingToIt() throws Exception {
        var response = new MockHttpServletResponse();
        response.getOutputStream().write("{\"rows\":1}".getBytes());
        response.flushBuffer();

        var late = new IllegalStateException("late");
        assertThatThrownBy(() -> handler.unexpected(late, response)).isSameAs(late);
        assertThat(response.getContentAsString()).isEqualTo("{\"rows\":1}");
    }
}
