package io.shardflow.api.security;

import static org.springframework.http.HttpMethod.POST;

import io.shardflow.messaging.ScrapeToken;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.security.access.hierarchicalroles.RoleHierarchy;
import org.springframework.security.access.hierarchicalroles.RoleHierarchyImpl;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.oauth2.server.resource.web.authentication.BearerTokenAuthenticationFilter;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.security.web.authentication.AnonymousAuthenticationFilter;
import org.springframework.security.web.authentication.LoginUrlAuthenticationEntryPoint;
import org.springframework.security.web.context.SecurityContextHolderFilter;
import org.springframework.security.web.header.writers.ReferrerPolicyHeaderWriter;
import org.springframework.security.web.servlet.util.matcher.PathPatternRequestMatcher;
import org.springframework.security.web.util.matcher.AnyRequestMatcher;
import org.springframework.security.web.util.matcher.OrRequestMatcher;

/**
 * The access rules, in one place. REST callers authenticate with a bearer API key (or a JWT in the oidc mode); the
 * dashboard with a session opened by logging in with an OPERATOR or ADMIN key. Roles say what a caller may do here;
 * whose resources it may touch is decided where they are read (a SUBMITTER sees only its tenant's: another tenant's
 * resource is a 404 exactly like a missing one).
 */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(SecuritySettings.class)
class SecurityConfiguration {
    private static final Logger log = LoggerFactory.getLogger(SecurityConfiguration.class);

    /** The dashboard's scripts and styles are its own files; nothing inline, nothing from elsewhere, no framing. */
    static final String CONTENT_SECURITY_POLICY = "default-src 'self'; script-src 'self'; style-src 'self'; "
            + "img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
            + "frame-ancestors 'none'";

    @Bean
    static RoleHierarchy roleHierarchy() {
        return RoleHierarchyImpl.fromHierarchy("ROLE_ADMIN > ROLE_OPERATOR\nROLE_ADMIN > ROLE_SUBMITTER");
    }

    @Bean
    SecurityFilterChain shardflowSecurity(
            HttpSecurity http, SecuritySettings settings, ApiKeys keys, ScrapeToken scrapeToken) throws Exception {
        var scrape = new ScrapeAccess(scrapeToken);
        var paths = PathPatternRequestMatcher.withDefaults();
        var apiAndActuator = new OrRequestMatcher(paths.matcher("/api/**"), paths.matcher("/actuator/**"));
        var problems = new ProblemResponses();

        http.authorizeHttpRequests(rules -> rules.requestMatchers(
                        "/actuator/health", "/actuator/health/liveness", "/actuator/health/readiness")
                .permitAll()
                .requestMatchers(
                        "/login",
                        "/error",
                        "/dashboard.css",
                        "/dashboard.js",
                        "/webjars/**",
                        "/favicon.ico",
                        "/v3/api-docs/**",
                        "/swagger-ui/**",
                        "/swagger-ui.html")
                .permitAll()
                .requestMatchers(ScrapeToken.PATH)
                .hasAnyRole("ADMIN", ScrapeAccess.ROLE)
                .requestMatchers("/actuator/**")
                .hasRole("ADMIN")
                .requestMatchers(
                        "/api/v1/api-keys/**", "/api/v1/audit/**", "/api/v1/intake-bindings/**", "/api/v1/tenants/**")
                .hasRole("ADMIN")
                .requestMatchers(POST, "/tenants/**", "/jobs/retention")
                .hasRole("ADMIN")
                .requestMatchers(POST, "/api/v1/jobs/*/priority")
                .hasRole("OPERATOR")
                .requestMatchers(POST, "/api/v1/jobs/*/cancel", "/api/v1/jobs/*/retry")
                .hasAnyRole("SUBMITTER", "OPERATOR")
                .requestMatchers(POST, "/api/v1/**")
                .hasRole("SUBMITTER")
                .requestMatchers("/api/**")
                .hasAnyRole("SUBMITTER", "OPERATOR")
                .anyRequest()
                .hasRole("OPERATOR"));

        http.exceptionHandling(errors -> errors.defaultAuthenticationEntryPointFor(problems, apiAndActuator)
                .defaultAuthenticationEntryPointFor(
                        new LoginUrlAuthenticationEntryPoint("/login"), AnyRequestMatcher.INSTANCE)
                .defaultAccessDeniedHandlerFor(problems, apiAndActuator));
        http.csrf(csrf -> csrf.requireCsrfProtectionMatcher(new CsrfRequired(settings.enabled())));
        http.headers(headers -> headers.contentSecurityPolicy(csp -> csp.policyDirectives(CONTENT_SECURITY_POLICY))
                .frameOptions(frame -> frame.deny())
                .referrerPolicy(referrer -> referrer.policy(ReferrerPolicyHeaderWriter.ReferrerPolicy.SAME_ORIGIN)));
        http.formLogin(login -> login.loginPage("/login")
                .usernameParameter("user")
                .passwordParameter("key")
                .defaultSuccessUrl("/", false)
                .failureUrl("/login?failed"));
        http.logout(logout -> logout.logoutUrl("/logout").logoutSuccessUrl("/login?out"));
        http.authenticationProvider(new ApiKeyLogin(keys));
        http.addFilterAfter(new RevokedSessions(keys), SecurityContextHolderFilter.class);
        http.addFilterBefore(scrape, BearerTokenAuthenticationFilter.class);

        if (!settings.enabled()) {
            log.warn("shardflow.security.enabled=false: authentication is off and every call acts as an ADMIN of "
                    + "tenant 'default'. Anyone who reaches this port can do anything.");
            http.addFilterBefore(new LocalAdmin(), AnonymousAuthenticationFilter.class);
        } else if (settings.mode() == SecuritySettings.Mode.OIDC) {
            http.oauth2ResourceServer(server -> server.bearerTokenResolver(scrape)
                    .jwt(jwt -> jwt.jwtAuthenticationConverter(new JwtCallers(settings.oidc())))
                    .authenticationEntryPoint(problems)
                    .accessDeniedHandler(problems));
        } else {
            http.oauth2ResourceServer(server -> server.bearerTokenResolver(scrape)
                    .opaqueToken(token -> token.introspector(new ApiKeyIntrospector(keys))
                            .authenticationConverter((secret, principal) ->
                                    new CallerAuthentication(((CallerPrincipal) principal).caller())))
                    .authenticationEntryPoint(problems)
                    .accessDeniedHandler(problems));
        }
        return http.build();
    }
}
