package io.shardflow.worker.lanes;

import java.io.IOException;
import java.net.InetAddress;
import java.util.UUID;

/** This worker's name and host, as shard rows and heartbeats show them. */
public record WorkerIdentity(String id, String host) {
    public static WorkerIdentity of(String configuredId) {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            host = "localhost";
        }
        String id = configuredId == null || configuredId.isBlank()
                ? host + "-" + UUID.randomUUID().toString().substring(0, 8)
                : configuredId;
        return new WorkerIdentity(id, host);
    }
}
