package io.shardflow.standalone;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;

/** Fails at once, naming the setting, when a port the standalone needs is taken: before any server starts. */
final class PortCheck {
    private PortCheck() {}

    static void requireFree(int port, String setting) {
        if (port <= 0) {
            return; // a free one is picked
        }
        try (var socket = new ServerSocket()) {
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(InetAddress.getByName("0.0.0.0"), port));
        } catch (IOException e) {
            throw new IllegalStateException("port " + port + " is in use (" + setting
                    + "); stop what uses it or choose " + "another with --" + setting + "=…");
        }
    }
}
