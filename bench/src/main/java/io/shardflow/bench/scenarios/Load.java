package io.shardflow.bench.scenarios;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/** A fixed number of calls shared by client threads that each make the next call as soon as the last answered. */
final class Load {
    private Load() {}

    /** Wall time of all calls, and each call's latency in milliseconds. */
    record Result(double seconds, List<Double> latencies) {
        double perSecond() {
            return latencies.size() / seconds;
        }
    }

    static Result run(int calls, int threads, Runnable call) throws Exception {
        var next = new AtomicInteger();
        var pool = Executors.newFixedThreadPool(threads);
        try {
            var futures = new ArrayList<Future<List<Double>>>();
            long started = System.nanoTime();
            for (int t = 0; t < threads; t++) {
                futures.add(pool.submit((Callable<List<Double>>) () -> {
                    var mine = new ArrayList<Double>();
                    while (next.getAndIncrement() < calls) {
                        long start = System.nanoTime();
                        call.run();
                        mine.add((System.nanoTime() - start) / 1e6);
                    }
                    return mine;
                }));
            }
            var latencies = new ArrayList<Double>(calls);
            for (var f : futures) {
                latencies.addAll(f.get());
            }
            return new Result((System.nanoTime() - started) / 1e9, latencies);
        } finally {
            pool.shutdownNow();
        }
    }
}
