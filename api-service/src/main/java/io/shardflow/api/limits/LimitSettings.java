package io.shardflow.api.limits;

import jakarta.validation.constraints.Min;
import java.time.Duration;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;
import org.springframework.validation.annotation.Validated;

/**
 * The API's limits ({@code shardflow.api.limits.*}). Each request over one is refused before anything of it is
 * stored, with a problem that names the setting.
 *
 * @param maxRequestBytes the largest request body other than a dataset upload (JSON bodies: jobs, models, ...)
 * @param maxUploadBytes the largest dataset upload, counted as it streams in
 * @param maxDatasetColumns the most columns a CSV or JSON Lines dataset may have
 * @param maxDatasetLineLength the most characters in one line of a CSV or JSON Lines upload
 * @param maxModelParameters the most float32 parameters a model may have: registered, seeded or trained from a new
 *     architecture
 * @param maxPrompts the most prompts one generation job may have, inline or lines of a prompt dataset
 * @param tenantStorage the bytes each tenant may store: datasets, models and job results; 0 for no limit
 * @param tenantStorageOverrides a tenant's own storage limit in place of {@code tenantStorage}, by tenant name
 *     (in brackets where the name has other characters than lowercase letters, digits and dashes)
 * @param modelRegistrationTimeout how long registering a model from a seed may take before it is given up and
 *     removed
 */
@Validated
@ConfigurationProperties("shardflow.api.limits")
public record LimitSettings(
        @DefaultValue("64MB") DataSize maxRequestBytes,
        @DefaultValue("1GB") DataSize maxUploadBytes,
        @DefaultValue("1024") @Min(1) int maxDatasetColumns,
        @DefaultValue("1048576") @Min(1) int maxDatasetLineLength,
        @DefaultValue("100000000") @Min(1) long maxModelParameters,
        @DefaultValue("10000") @Min(1) int maxPrompts,
        @DefaultValue("10GB") DataSize tenantStorage,
        @DefaultValue Map<String, DataSize> tenantStorageOverrides,
        @DefaultValue("10m") Duration modelRegistrationTimeout) {
    static final String PREFIX = "shardflow.api.limits.";
    public static final String MAX_REQUEST_BYTES = PREFIX + "max-request-bytes";
    public static final String MAX_UPLOAD_BYTES = PREFIX + "max-upload-bytes";
    public static final String MAX_DATASET_COLUMNS = PREFIX + "max-dataset-columns";
    public static final String MAX_DATASET_LINE_LENGTH = PREFIX + "max-dataset-line-length";
    public static final String MAX_MODEL_PARAMETERS = PREFIX + "max-model-parameters";
    public static final String MAX_PROMPTS = PREFIX + "max-prompts";
    public static final String TENANT_STORAGE = PREFIX + "tenant-storage";
    public static final String MODEL_REGISTRATION_TIMEOUT = PREFIX + "model-registration-timeout";

    /** The setting that limits {@code tenant}'s storage: its override where it has one. */
    String storageLimitName(String tenant) {
        return tenantStorageOverrides.containsKey(tenant)
                ? PREFIX + "tenant-storage-overrides[" + tenant + "]"
                : TENANT_STORAGE;
    }

    /** The bytes {@code tenant} may store; {@link Long#MAX_VALUE} where no limit is set (0). */
    long storageLimit(String tenant) {
        var size = tenantStorageOverrides.getOrDefault(tenant, tenantStorage);
        return size.toBytes() <= 0 ? Long.MAX_VALUE : size.toBytes();
    }
}
