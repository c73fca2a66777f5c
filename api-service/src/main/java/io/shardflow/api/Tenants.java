package io.shardflow.api;

import jakarta.servlet.http.HttpServletRequest;
import org.springframework.stereotype.Component;

/** Which tenant a request acts for. API keys will decide this; until then the {@code X-Tenant} header does. */
@Component
public class Tenants {
    public static final String HEADER = "X-Tenant";
    private final ApiSettings settings;

    public Tenants(ApiSettings settings) {
        this.settings = settings;
    }

    public String of(HttpServletRequest request) {
        String tenant = request.getHeader(HEADER);
        return tenant == null || tenant.isBlank() ? settings.defaultTenant() : tenant.strip();
    }
}
