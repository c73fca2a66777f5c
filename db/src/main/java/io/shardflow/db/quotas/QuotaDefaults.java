package io.shardflow.db.quotas;

import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.Positive;
import java.time.Duration;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * The quota of a tenant that has none of its own ({@code shardflow.quotas.*}); its storage budget is the API's
 * {@code shardflow.api.limits.tenant-storage}.
 *
 * @param maxRunningShards lanes a tenant's shards may hold at once; 0 for no cap
 * @param maxQueuedJobs jobs of a tenant not yet ended, beyond which a submission is refused; 0 for no cap
 * @param weight the tenant's weight in the fair share of lanes
 * @param fairShareWindow how far back a tenant's lane-time counts towards its fair share (less when a tenant came to
 *     the queue more recently: then since it came)
 */
@Validated
@ConfigurationProperties("shardflow.quotas")
public record QuotaDefaults(
        @DefaultValue("0") @Min(0) int maxRunningShards,
        @DefaultValue("10000") @Min(0) int maxQueuedJobs,
        @DefaultValue("1") @Positive double weight,
        @DefaultValue("30s") Duration fairShareWindow) {

    /** The quota of {@code tenant} when it has no row. */
    public TenantQuota quotaOf(String tenant) {
        return new TenantQuota(tenant, capOrNull(maxRunningShards), capOrNull(maxQueuedJobs), weight, null);
    }

    private static @Nullable Integer capOrNull(int cap) {
        return cap > 0 ? cap : null;
    }
}
