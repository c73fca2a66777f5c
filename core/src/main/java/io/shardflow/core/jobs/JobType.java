package io.shardflow.core.jobs;

public enum JobType {
    INFERENCE,
    TRAINING
}
