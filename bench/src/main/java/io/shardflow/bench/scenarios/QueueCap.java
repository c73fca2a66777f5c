package io.shardflow.bench.scenarios;

import io.shardflow.bench.Http;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * A tenant's {@code maxQueuedJobs} lifted while a scenario accepts more jobs at once than the default cap (10,000)
 * allows, and put back as it was afterwards: the tenant's own quota again, or none. Where the API has no quotas (an
 * older build), nothing is changed and the scenario keeps below the cap.
 */
final class QueueCap implements AutoCloseable {
    private final Http api;
    private final String tenant;
    private final @Nullable Map<String, @Nullable Object> own;
    private final boolean lifted;

    private QueueCap(Http api, String tenant, @Nullable Map<String, @Nullable Object> own, boolean lifted) {
        this.api = api;
        this.tenant = tenant;
        this.own = own;
        this.lifted = lifted;
    }

    static QueueCap lift(Http api, String tenant) {
        var quota = api.get("/api/v1/tenants/" + tenant + "/quota");
        if (quota.status() != 200) {
            return new QueueCap(api, tenant, null, false);
        }
        var body = new LinkedHashMap<String, @Nullable Object>();
        for (String field : List.of("maxRunningShards", "maxQueuedJobs", "weight", "maxStorageBytes")) {
            var value = quota.body().get(field);
            body.put(field, value == null || value.isNull() ? null : value.numberValue());
        }
        boolean own = "tenant".equals(quota.body().path("source").asString(""));
        var uncapped = new LinkedHashMap<>(body);
        uncapped.put("maxQueuedJobs", null);
        var set = api.put("/api/v1/tenants/" + tenant + "/quota", uncapped);
        if (set.status() != 200) {
            throw new IllegalStateException(
                    "PUT /api/v1/tenants/" + tenant + "/quota answered " + set.status() + ": " + set.body());
        }
        return new QueueCap(api, tenant, own ? body : null, true);
    }

    @Override
    public void close() {
        if (!lifted) {
            return;
        }
        var restored = own == null
                ? api.delete("/api/v1/tenants/" + tenant + "/quota")
                : api.put("/api/v1/tenants/" + tenant + "/quota", own);
        if (restored.status() / 100 != 2) {
            System.out.println("  could not put the quota of tenant " + tenant + " back: " + restored.status());
        }
    }
}
