package io.shardflow.core.messaging;

import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.json.JsonMapper;

/** JSON bytes for the small control messages on Kafka. Tensors never travel this way. */
public final class MessageCodec {
    private static final JsonMapper MAPPER = JsonMapper.builder()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .build();

    private MessageCodec() {}

    public static byte[] encode(Object message) {
        return MAPPER.writeValueAsBytes(message);
    }

    /** Throws {@link tools.jackson.core.JacksonException} for a record that is not such a message. */
    public static <T> T decode(byte[] bytes, Class<T> type) {
        if (bytes == null) {
            throw new IllegalArgumentException("empty record where a " + type.getSimpleName() + " was expected");
        }
        return MAPPER.readValue(bytes, type);
    }
}
