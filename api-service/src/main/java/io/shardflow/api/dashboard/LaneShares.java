package io.shardflow.api.dashboard;

import io.shardflow.db.quotas.TenantLoad;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Each tenant's share of lane-time per bucket: the seconds its shards held lanes in the bucket over those of all
 * tenants, so the shares of a bucket with any work add up to 1, and a bucket without any is 0 for everyone.
 *
 * @param buckets each bucket's start, in epoch milliseconds, oldest first
 * @param series one per tenant, by name
 * @param total each tenant's share of the whole period
 */
record LaneShares(List<Long> buckets, List<Series> series, Map<String, Double> total) {
    /** A tenant's share in each bucket. */
    record Series(String tenant, double[] shares) {}

    static LaneShares of(List<TenantLoad.LaneTime> times, Instant now, Duration bucket, int count) {
        var from = now.minus(bucket.multipliedBy(count));
        var buckets = new ArrayList<Long>();
        for (int i = 0; i < count; i++) {
            buckets.add(from.plus(bucket.multipliedBy(i)).toEpochMilli());
        }
        var perBucket = new double[count];
        var byTenant = new TreeMap<String, double[]>();
        var sums = new HashMap<String, Double>();
        double all = 0;
        for (var t : times) {
            int i = (int) Duration.between(from, t.from()).dividedBy(bucket);
            if (i < 0 || i >= count || !(t.seconds() > 0)) {
                continue;
            }
            byTenant.computeIfAbsent(t.tenant(), k -> new double[count])[i] += t.seconds();
            perBucket[i] += t.seconds();
            sums.merge(t.tenant(), t.seconds(), Double::sum);
            all += t.seconds();
        }
        var series = new ArrayList<Series>();
        for (var e : byTenant.entrySet()) {
            var shares = e.getValue();
            for (int i = 0; i < count; i++) {
                shares[i] = perBucket[i] > 0 ? round(shares[i] / perBucket[i]) : 0;
            }
            series.add(new Series(e.getKey(), shares));
        }
        var total = new HashMap<String, Double>();
        for (var e : sums.entrySet()) {
            total.put(e.getKey(), e.getValue() / all);
        }
        return new LaneShares(buckets, series, total);
    }

    private static double round(double share) {
        return Math.round(share * 10_000) / 10_000.0;
    }
}
