package io.shardflow.helm;

/** The chart's three workloads and the HTTP port each service listens on by default. */
enum Component {
    API("api", 8080),
    SCHEDULER("scheduler", 8081),
    WORKER("worker", 8082);

    final String key;
    final int port;

    Component(String key, int port) {
        this.key = key;
        this.port = port;
    }

    @Override
    public String toString() {
        return key;
    }
}
