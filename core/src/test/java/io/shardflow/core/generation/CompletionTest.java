package io.shardflow.core.generation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class CompletionTest {
    private static Completion completion(String prompt, int maxTokens, List<String> stop, int context) {
        return new Completion(
                prompt.getBytes(StandardCharsets.UTF_8), new GenerationSpec(maxTokens, 0.0, null, null, stop), context);
    }

    private static boolean addAll(Completion completion, String text) {
        boolean finished = false;
        for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
            finished = completion.add(b & 0xFF);
        }
        return finished;
    }

    @Test
    void endsAtMaxTokens() {
        var c = completion("ab", 3, null, 64);
        assertThat(c.add('x')).isFalse();
        assertThat(c.add('y')).isFalse();
        assertThat(c.add('z')).isTrue();
        assertThat(c.text()).isEqualTo("xyz");
        assertThat(new String(c.sequence(), StandardCharsets.UTF_8)).isEqualTo("abxyz");
        assertThatThrownBy(() -> c.add('!')).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void aStopStringEndsItAndIsCutOff() {
        var c = completion("Q: ", 50, List.of("\n\n", "END"), 64);
        assertThat(addAll(c, "an answer.\n")).isFalse();
        assertThat(c.add('\n')).isTrue();
        assertThat(c.text()).as("both newlines are the stop string").isEqualTo("an answer.");
    }

    @Test
    void theContextEndsItWhenPromptAndCompletionFillIt() {
        var c = completion("12345678", 100, null, 10);
        assertThat(c.add('a')).isFalse();
        assertThat(c.add('b')).isTrue();
        assertThat(c.text()).isEqualTo("ab");
        assertThat(completion("1234567890", 5, null, 10).finished())
                .as("no room at all")
                .isTrue();
    }

    @Test
    void bytesThatAreNotUtf8ComeOutAsReplacementCharacters() {
        var c = completion("x", 3, null, 64);
        c.add(0xC3);
        c.add(0xA9); // é
        c.add(0xFF);
        assertThat(c.text()).isEqualTo("é\uFFFD");
    }
}
