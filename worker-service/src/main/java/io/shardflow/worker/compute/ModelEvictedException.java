package io.shardflow.worker.compute;

/** The cache closed a model while a lane was about to use it; the lane loads it again. */
public class ModelEvictedException extends IllegalStateException {
    public ModelEvictedException() {
        super("model was evicted from the cache");
    }
}
