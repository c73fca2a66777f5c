package io.shardflow.standalone;

import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * The address the embedded servers listen on ({@code shardflow.local.address}), and the host that the processes
 * given {@code connection.properties} reach them at.
 *
 * @param host an IP address or host name of this machine; {@code 0.0.0.0} (or {@code ::}) for all of them
 */
record LocalAddress(String host) {
    static final LocalAddress LOOPBACK = new LocalAddress("127.0.0.1");

    LocalAddress {
        if (host.isBlank()) {
            throw new IllegalArgumentException("shardflow.local.address is empty; 127.0.0.1 keeps the servers local");
        }
        host = host.strip();
    }

    /** Whether this is every address of the machine. */
    boolean any() {
        return resolved().isAnyLocalAddress();
    }

    boolean loopback() {
        return resolved().isLoopbackAddress();
    }

    /**
     * Where a client reaches a server listening here: the loopback address when it listens on all of them, so that
     * the connection file works on this machine whatever its names resolve to.
     */
    String connectHost() {
        return bracketed(any() ? LOOPBACK.host : host);
    }

    /** The host in a URL or a Kafka listener. */
    String listenHost() {
        return bracketed(host);
    }

    /** The address the broker tells clients to use: this machine's name when it listens on all addresses. */
    String advertisedHost() {
        if (!any()) {
            return connectHost();
        }
        try {
            return InetAddress.getLocalHost().getCanonicalHostName();
        } catch (UnknownHostException e) {
            return LOOPBACK.host;
        }
    }

    /** An IPv6 address as URLs write it. */
    private static String bracketed(String host) {
        return host.contains(":") ? "[" + host + "]" : host;
    }

    private InetAddress resolved() {
        try {
            return InetAddress.getByName(host);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(
                    "shardflow.local.address " + host + " is not an address of this machine");
        }
    }
}
