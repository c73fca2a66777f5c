package io.shardflow.standalone;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.Socket;
import java.net.SocketException;
import java.util.Optional;

/** What the tests of the embedded servers need to know of this machine's network. */
final class LocalNetwork {
    private LocalNetwork() {}

    /** An IPv4 address of this machine other than loopback, if it has one. */
    static Optional<InetAddress> nonLoopback() {
        try {
            return NetworkInterface.networkInterfaces()
                    .filter(LocalNetwork::up)
                    .flatMap(NetworkInterface::inetAddresses)
                    .filter(a -> a instanceof Inet4Address && !a.isLoopbackAddress())
                    .findFirst();
        } catch (SocketException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Asserts that nothing listens on {@code port} at this machine's non-loopback address (where it has one): a
     * server bound to loopback is out of other machines' reach.
     */
    static void assertNotReachableFromOutside(int port) {
        nonLoopback()
                .ifPresentOrElse(
                        address -> assertThatThrownBy(() -> {
                                    try (var socket = new Socket()) {
                                        socket.connect(new InetSocketAddress(address, port), 2000);
                                    }
                                })
                                .as("port %d at %s", port, address)
                                .isInstanceOf(ConnectException.class),
                        () -> System.out.println(
                                "this machine has no address but loopback: nothing to try from outside"));
    }

    private static boolean up(NetworkInterface network) {
        try {
            return network.isUp();
        } catch (IOException e) {
            return false;
        }
    }
}
