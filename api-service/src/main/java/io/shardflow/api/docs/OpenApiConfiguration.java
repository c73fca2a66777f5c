package io.shardflow.api.docs;

import io.swagger.v3.oas.models.Components;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.Operation;
import io.swagger.v3.oas.models.info.Info;
import io.swagger.v3.oas.models.info.License;
import io.swagger.v3.oas.models.media.Content;
import io.swagger.v3.oas.models.media.IntegerSchema;
import io.swagger.v3.oas.models.media.MediaType;
import io.swagger.v3.oas.models.media.ObjectSchema;
import io.swagger.v3.oas.models.media.Schema;
import io.swagger.v3.oas.models.media.StringSchema;
import io.swagger.v3.oas.models.responses.ApiResponse;
import io.swagger.v3.oas.models.security.SecurityRequirement;
import io.swagger.v3.oas.models.security.SecurityScheme;
import io.swagger.v3.oas.models.tags.Tag;
import java.util.List;
import java.util.Map;
import org.springdoc.core.customizers.OpenApiCustomizer;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.info.BuildProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The API's description at {@code /v3/api-docs} (and Swagger UI): what Shardflow is, its version, the bearer
 * scheme every {@code /api/v1} call needs, a tag per resource, and the errors every operation can answer, all as
 * RFC 9457 problems of one schema.
 */
@Configuration(proxyBeanMethods = false)
class OpenApiConfiguration {
    static final String PROBLEM = "Problem";
    static final String BEARER = "bearer";

    /** The resources, in the order Swagger UI lists them. */
    static final List<Tag> TAGS = List.of(
            new Tag()
                    .name("jobs")
                    .description(
                            "Training, inference and generation jobs: submit, follow, cancel, " + "retry, results"),
            new Tag().name("inference").description("Synchronous /predict and /generate, through the same queue"),
            new Tag().name("datasets").description("Upload CSV, JSON Lines or text; stored chunked and columnar"),
            new Tag()
                    .name("models")
                    .description("Register built-in architectures or import parameters; the registry "
                            + "with lineage and metrics"),
            new Tag().name("tenants").description("Quotas per tenant (ADMIN)"),
            new Tag()
                    .name("access")
                    .description("API keys, intake bindings of CloudEvent sources, the audit log " + "(ADMIN)"));

    @Bean
    OpenAPI shardflowOpenApi(ObjectProvider<BuildProperties> build) {
        var properties = build.getIfAvailable();
        return new OpenAPI()
                .info(new Info()
                        .title("Shardflow API")
                        .version(properties == null ? "development" : properties.getVersion())
                        .description("A job platform for machine-learning work: submit training, inference and "
                                + "generation jobs; the scheduler splits them into data and model shards that workers "
                                + "compute on their lanes. Every call needs `Authorization: Bearer <API key>` (or a "
                                + "JWT in the oidc mode); errors are `application/problem+json` naming the field or "
                                + "limit at fault. POSTs that create take `Idempotency-Key`.")
                        .license(new License().name("Apache-2.0")))
                .components(new Components()
                        .addSecuritySchemes(
                                BEARER,
                                new SecurityScheme()
                                        .type(SecurityScheme.Type.HTTP)
                                        .scheme("bearer")
                                        .bearerFormat("API key (sfk_…) or JWT")
                                        .description("An API key an ADMIN made (POST /api/v1/api-keys), or in the oidc "
                                                + "mode a JWT of your identity provider")))
                .addSecurityItem(new SecurityRequirement().addList(BEARER))
                .tags(TAGS);
    }

    /** RFC 9457 problem details, with the fields Shardflow adds to name what was wrong. */
    @SuppressWarnings("rawtypes")
    private static Schema problem() {
        return new ObjectSchema()
                .description("RFC 9457 problem details")
                .addProperty("type", new StringSchema().description("A URI naming the kind of problem"))
                .addProperty("title", new StringSchema())
                .addProperty("status", new IntegerSchema())
                .addProperty("detail", new StringSchema().description("What was wrong, in words"))
                .addProperty("instance", new StringSchema().description("The request's path"))
                .addProperty("field", new StringSchema().description("The request field at fault, if one is"))
                .addProperty("limit", new StringSchema().description("The setting whose limit was passed, if one was"))
                .addProperty("max", new IntegerSchema())
                .addProperty("value", new IntegerSchema());
    }

    /** The errors any operation of /api/v1 may answer, besides those its own annotations name. */
    static final Map<String, String> ERRORS = Map.of(
            "400", "The request is invalid: the problem names the field",
            "401", "No API key, or an unknown or revoked one",
            "403", "The caller's role may not do this",
            "404", "No such resource (or another tenant's)",
            "413", "Over a limit: the problem names the setting",
            "429", "Too many requests for this key: retry after Retry-After",
            "503", "The database or broker is away: retry after Retry-After");

    @Bean
    OpenApiCustomizer shardflowProblems() {
        return api -> {
            // here rather than on the bean: springdoc builds the schemas from the code after the bean is made
            api.getComponents().addSchemas(PROBLEM, problem());
            api.getPaths().forEach((path, item) -> {
                if (path.startsWith("/api/")) {
                    item.readOperations().forEach(OpenApiConfiguration::addProblems);
                }
            });
        };
    }

    private static void addProblems(Operation operation) {
        var responses = operation.getResponses();
        ERRORS.forEach((code, description) -> {
            var existing = responses.get(code);
            var response = existing != null ? existing : new ApiResponse().description(description);
            response.setContent(new Content()
                    .addMediaType(
                            "application/problem+json",
                            new MediaType().schema(new Schema<>().$ref("#/components/schemas/" + PROBLEM))));
            responses.addApiResponse(code, response);
        });
    }
}
