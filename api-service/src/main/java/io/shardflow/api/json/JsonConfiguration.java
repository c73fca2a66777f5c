package io.shardflow.api.json;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.ConfigurableBeanFactory;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.jackson.autoconfigure.JsonMapperBuilderCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Scope;
import tools.jackson.core.json.JsonFactory;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * The JSON mapper Spring MVC reads request bodies with: Spring Boot's, with every customizer it applies, but on a
 * factory that enforces {@link JsonLimits} (a limit lives in the factory, which a customizer cannot replace) and
 * refusing unknown fields. A misspelt field would otherwise be dropped without a word and its default used:
 * {@code "parallelism":{"datashards":4}} would run with as many shards as the scheduler likes.
 *
 * <p>Only requests are read this strictly. Rows in the database and messages between the services are read with
 * mappers of their own that skip unknown fields, so that a newer version's additions do not break an older reader.
 */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(JsonLimits.class)
class JsonConfiguration {
    @Bean
    @Scope(ConfigurableBeanFactory.SCOPE_PROTOTYPE)
    JsonMapper.Builder shardflowJsonMapperBuilder(
            JsonLimits limits, ObjectProvider<JsonMapperBuilderCustomizer> customizers) {
        var builder = requests(limits);
        customizers.orderedStream().forEach(customizer -> customizer.customize(builder));
        return builder;
    }

    /** A mapper for requests, before Spring Boot's customizers: the limits, and no unknown fields. */
    static JsonMapper.Builder requests(JsonLimits limits) {
        var factory = JsonFactory.builder()
                .streamReadConstraints(limits.constraints())
                .build();
        return JsonMapper.builder(factory).enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
    }
}
