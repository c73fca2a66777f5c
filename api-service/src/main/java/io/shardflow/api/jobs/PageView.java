package io.shardflow.api.jobs;

import java.util.List;

/** One page of a list, newest first. */
public record PageView<T>(List<T> items, int page, int size, long total) {}
