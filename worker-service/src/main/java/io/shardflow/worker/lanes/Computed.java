package io.shardflow.worker.lanes;

/**
 * What a lane computed of a task: the partial, and the row it stopped before: the task's end, or an earlier row when
 * the shard yielded its lane part-way and the rest is to be queued.
 */
public record Computed(byte[] output, long rowEnd) {}
