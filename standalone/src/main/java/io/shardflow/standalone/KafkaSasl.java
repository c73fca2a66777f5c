package io.shardflow.standalone;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The embedded broker's one user, when it signs clients in ({@code shardflow.local.kafka-sasl}): SCRAM-SHA-512 for
 * clients, PLAIN between the broker and its controller, the same password for both.
 *
 * @param username {@value #USERNAME}
 * @param password kept in {@code <data-dir>/kafka-password}
 */
record KafkaSasl(String username, String password) {
    static final String USERNAME = "shardflow";
    static final String MECHANISM = "SCRAM-SHA-512";
    static final String PROTOCOL = "SASL_PLAINTEXT";

    /** The JAAS line a client (or the broker, towards itself) signs in with. */
    String scramLogin() {
        return "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"" + username
                + "\" password=\"" + password + "\";";
    }

    /** The controller's JAAS line: the user it accepts, and the one the broker signs in to it with. */
    String plainLogin() {
        return "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"" + username
                + "\" password=\"" + password + "\" user_" + username + "=\"" + password + "\";";
    }

    /** A Kafka client's settings that sign in as this user. */
    Map<String, String> clientProperties() {
        return Map.of("security.protocol", PROTOCOL, "sasl.mechanism", MECHANISM, "sasl.jaas.config", scramLogin());
    }

    /** The same settings as Spring Boot reads them, for every client a service makes. */
    Map<String, String> springProperties() {
        var properties = new LinkedHashMap<String, String>();
        properties.put("spring.kafka.security.protocol", PROTOCOL);
        properties.put("spring.kafka.properties.sasl.mechanism", MECHANISM);
        properties.put("spring.kafka.properties.sasl.jaas.config", scramLogin());
        return properties;
    }

    @Override
    public String toString() {
        return "KafkaSasl[username=" + username + ", password=…]";
    }
}
