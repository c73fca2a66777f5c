package io.shardflow.bench;

/** A named measurement against the platform; it returns its section of the report. */
public interface Scenario {

    String name();

    /** What it measures and against what, in one line, for the command's help. */
    String summary();

    Report.Section run(BenchContext context) throws Exception;
}
