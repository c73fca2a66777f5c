package io.shardflow.api.dashboard;

import io.shardflow.api.quotas.QuotaRequest;
import io.shardflow.api.quotas.QuotaView;
import io.shardflow.api.quotas.Quotas;
import io.shardflow.api.security.Callers;
import io.shardflow.api.security.Role;
import io.shardflow.core.InvalidSpecException;
import io.shardflow.db.quotas.TenantLoad;
import io.shardflow.db.quotas.TenantQuota;
import io.shardflow.db.quotas.TenantQuotas;
import io.shardflow.db.usage.TenantUsage;
import jakarta.servlet.http.HttpServletResponse;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import org.jspecify.annotations.Nullable;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import tools.jackson.databind.json.JsonMapper;

/**
 * The dashboard's Tenants page: each tenant with work or a quota of its own, its use against its quota, and its
 * share of lane-time over the last hour. An ADMIN edits a tenant's quota there; an OPERATOR only reads.
 */
@Controller
public class TenantsController {
    private static final Duration BUCKET = Duration.ofMinutes(1);
    private static final int BUCKETS = 60;
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final TenantQuotas quotas;
    private final TenantLoad load;
    private final TenantUsage usage;
    private final Quotas office;
    private final Clock clock;

    public TenantsController(TenantQuotas quotas, TenantLoad load, TenantUsage usage, Quotas office, Clock clock) {
        this.quotas = quotas;
        this.load = load;
        this.usage = usage;
        this.office = office;
        this.clock = clock;
    }

    /** A tenant as a row of the page: each use against its cap ("—" for none). */
    public record TenantLine(
            String tenant,
            String source,
            String running,
            String queued,
            String storage,
            String weight,
            String share,
            boolean atQueueCap) {}

    /** The edit form's values: empty for no cap. */
    public record QuotaForm(
            String tenant, String maxRunningShards, String maxQueuedJobs, String weight, String maxStorageBytes) {
        static QuotaForm of(TenantQuota q) {
            return new QuotaForm(
                    q.tenant(),
                    text(q.maxRunningShards()),
                    text(q.maxQueuedJobs()),
                    number(q.weight()),
                    text(q.maxStorageBytes()));
        }
    }

    @GetMapping("/tenants")
    public String page(@RequestParam(required = false) @Nullable String edit, Model model) {
        QuotaForm form = null;
        if (edit != null && !edit.isBlank()) {
            form = QuotaForm.of(quotas.effective(edit.strip()));
        }
        return render(model, form, null);
    }

    @PostMapping("/tenants/quota")
    public String save(
            @RequestParam String tenant,
            @RequestParam(defaultValue = "") String maxRunningShards,
            @RequestParam(defaultValue = "") String maxQueuedJobs,
            @RequestParam(defaultValue = "") String weight,
            @RequestParam(defaultValue = "") String maxStorageBytes,
            Model model,
            HttpServletResponse response) {
        var form = new QuotaForm(tenant.strip(), maxRunningShards, maxQueuedJobs, weight, maxStorageBytes);
        try {
            var request = new QuotaRequest(
                    count(maxRunningShards, "maxRunningShards"),
                    count(maxQueuedJobs, "maxQueuedJobs"),
                    decimal(weight, "weight"),
                    whole(maxStorageBytes, "maxStorageBytes"));
            office.put(Callers.authenticated(), form.tenant(), request);
        } catch (InvalidSpecException e) {
            response.setStatus(HttpServletResponse.SC_BAD_REQUEST);
            return render(model, form, e.getMessage());
        }
        return "redirect:/tenants?saved=" + URLEncoder.encode(form.tenant(), StandardCharsets.UTF_8);
    }

    @PostMapping("/tenants/quota/reset")
    public String reset(@RequestParam String tenant) {
        office.reset(Callers.authenticated(), tenant.strip());
        return "redirect:/tenants?saved=" + URLEncoder.encode(tenant.strip(), StandardCharsets.UTF_8);
    }

    private String render(Model model, @Nullable QuotaForm form, @Nullable String error) {
        var now = clock.instant();
        var shares = LaneShares.of(load.laneTime(now, BUCKET, BUCKETS), now, BUCKET, BUCKETS);
        var busy = new HashMap<String, TenantLoad.Use>();
        load.busy().forEach(u -> busy.put(u.tenant(), u));
        var own = new TreeSet<String>();
        quotas.all().forEach(q -> own.add(q.tenant()));
        var names = new TreeSet<String>(own);
        names.addAll(busy.keySet());
        names.addAll(shares.total().keySet());
        var effective = quotas.effective(names);
        var lines = names.stream()
                .map(t -> line(t, effective.get(t), own.contains(t), busy.get(t), shares.total()))
                .toList();
        model.addAttribute("tenants", lines);
        model.addAttribute("shares", JSON.writeValueAsString(shares));
        model.addAttribute("form", form);
        model.addAttribute("error", error);
        model.addAttribute(
                "admin", Callers.current().map(c -> c.has(Role.ADMIN)).orElse(false));
        return "tenants";
    }

    private TenantLine line(
            String tenant,
            @Nullable TenantQuota quota,
            boolean own,
            TenantLoad.@Nullable Use use,
            Map<String, Double> shares) {
        var q = quota != null ? quota : TenantQuota.unlimited(tenant);
        long running = use == null ? 0 : use.runningShards();
        long queued = use == null ? 0 : use.queuedJobs();
        QuotaView.StorageLimit limit = office.storageLimit(tenant);
        Double share = shares.get(tenant);
        return new TenantLine(
                tenant,
                own ? "tenant" : "default",
                running + " / " + cap(q.maxRunningShards()),
                queued + " / " + cap(q.maxQueuedJobs()),
                bytes(usage.bytes(tenant)) + " / " + (limit.bytes() == null ? "—" : bytes(limit.bytes())),
                number(q.weight()),
                share == null ? "—" : String.format(Locale.ROOT, "%.1f %%", share * 100),
                q.maxQueuedJobs() != null && queued >= q.maxQueuedJobs());
    }

    private static @Nullable Long whole(String value, String field) {
        if (value.isBlank()) {
            return null;
        }
        try {
            return Long.parseLong(value.strip());
        } catch (NumberFormatException e) {
            throw new InvalidSpecException(field, "must be a whole number, or empty for no cap, was '" + value + "'");
        }
    }

    private static @Nullable Integer count(String value, String field) {
        Long whole = whole(value, field);
        InvalidSpecException.require(
                whole == null || (whole >= Integer.MIN_VALUE && whole <= Integer.MAX_VALUE),
                field,
                "must be at most " + Integer.MAX_VALUE + ", was " + whole);
        return whole == null ? null : whole.intValue();
    }

    private static @Nullable Double decimal(String value, String field) {
        if (value.isBlank()) {
            return null;
        }
        try {
            return Double.parseDouble(value.strip());
        } catch (NumberFormatException e) {
            throw new InvalidSpecException(field, "must be a number, was '" + value + "'");
        }
    }

    private static String cap(@Nullable Integer cap) {
        return cap == null ? "—" : cap.toString();
    }

    private static String text(@Nullable Number value) {
        return value == null ? "" : value.toString();
    }

    private static String number(double value) {
        return value == Math.rint(value) ? Long.toString((long) value) : Double.toString(value);
    }

    /** Bytes the way people read them: 1.5 GB, 12 MB, 300 B. */
    static String bytes(long bytes) {
        var units = List.of("B", "kB", "MB", "GB", "TB", "PB");
        double value = bytes;
        int unit = 0;
        while (value >= 1000 && unit < units.size() - 1) {
            value /= 1000;
            unit++;
        }
        return unit == 0 ? bytes + " B" : String.format(Locale.ROOT, "%.1f %s", value, units.get(unit));
    }
}
