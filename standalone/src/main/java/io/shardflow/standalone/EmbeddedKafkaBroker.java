package io.shardflow.standalone;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.config.SaslConfigs;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.metadata.storage.Formatter;
import org.apache.kafka.server.common.MetadataVersion;
import org.jspecify.annotations.Nullable;

/**
 * A real single-node Kafka broker in KRaft mode (broker and controller in one), running in this JVM, for clients on
 * the configured address; with {@link KafkaSasl} they sign in. Its log directory and cluster id survive restarts. It
 * can be stopped and started again on the same port, which is how tests take the broker away.
 */
public final class EmbeddedKafkaBroker implements AutoCloseable {
    private final Path directory;
    private final LocalAddress address;
    private final int port;
    private final int controllerPort;
    /** Where the broker talks to itself, on loopback, when clients sign in. */
    private final int internalPort;

    private final int partitions;
    /** The user clients sign in as; null when the broker takes clients as they are. */
    private final @Nullable KafkaSasl sasl;
    /** The running broker; null while stopped. */
    private @Nullable KafkaRaftServer server;

    private EmbeddedKafkaBroker(
            Path directory,
            LocalAddress address,
            int port,
            int controllerPort,
            int internalPort,
            int partitions,
            @Nullable KafkaSasl sasl) {
        this.directory = directory;
        this.address = address;
        this.port = port;
        this.controllerPort = controllerPort;
        this.internalPort = internalPort;
        this.partitions = partitions;
        this.sasl = sasl;
    }

    /** Starts a broker; with {@code sasl}, clients and the broker's own connections sign in. */
    static EmbeddedKafkaBroker start(
            Path directory, LocalAddress address, int port, int partitions, @Nullable KafkaSasl sasl) {
        var broker = new EmbeddedKafkaBroker(directory, address, port, freePort(), freePort(), partitions, sasl);
        broker.start();
        return broker;
    }

    /** Starts (or restarts) the broker, formatting its storage the first time. */
    public synchronized void start() {
        if (server != null) {
            return;
        }
        try {
            Files.createDirectories(directory);
            var config = KafkaConfig.fromProps(properties(), false);
            new Formatter()
                    .setNodeId(1)
                    .setClusterId(clusterId())
                    .setDirectories(List.of(logs().toString()))
                    .setMetadataLogDirectory(logs().toString())
                    .setControllerListenerName("CONTROLLER")
                    .setReleaseVersion(MetadataVersion.LATEST_PRODUCTION)
                    .setIgnoreFormatted(true)
                    .setPrintStream(new PrintStream(OutputStream.nullOutputStream()))
                    .run();
            var started = new KafkaRaftServer(config, Time.SYSTEM);
            started.startup();
            server = started;
            if (sasl != null) {
                registerUser(sasl);
            }
        } catch (Exception e) {
            stop(); // a broker whose user could not be made would turn every client away
            throw new IllegalStateException("could not start the Kafka broker in " + directory, e);
        }
    }

    /**
     * Gives the user its SCRAM credential, anew on every start (the folder may have been formatted before SASL was on,
     * or its password file be new), through the internal listener, where the broker signs in with PLAIN.
     */
    private void registerUser(KafkaSasl sasl) throws Exception {
        var config = new HashMap<String, Object>();
        config.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:" + internalPort);
        config.put(AdminClientConfig.SECURITY_PROTOCOL_CONFIG, KafkaSasl.PROTOCOL);
        config.put(SaslConfigs.SASL_MECHANISM, "PLAIN");
        config.put(SaslConfigs.SASL_JAAS_CONFIG, sasl.plainLogin());
        try (var admin = Admin.create(config)) {
            admin.alterUserScramCredentials(List.of(new UserScramCredentialUpsertion(
                            sasl.username(),
                            new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, 8192),
                            sasl.password())))
                    .all()
                    .get(30, TimeUnit.SECONDS);
        }
    }

    /** Stops the broker; its data stays for {@link #start()}. */
    public synchronized void stop() {
        var running = server;
        if (running != null) {
            running.shutdown();
            running.awaitShutdown();
            server = null;
        }
    }

    public String bootstrapServers() {
        return address.connectHost() + ":" + port;
    }

    @Override
    public void close() {
        stop();
    }

    private Path logs() {
        return directory.resolve("logs");
    }

    private String clusterId() throws IOException {
        var file = directory.resolve("cluster-id");
        if (Files.exists(file)) {
            return Files.readString(file).strip();
        }
        String id = Uuid.randomUuid().toString();
        Files.writeString(file, id);
        return id;
    }

    private Properties properties() {
        var p = new Properties();
        p.put("process.roles", "broker,controller");
        p.put("node.id", "1");
        p.put("controller.quorum.voters", "1@127.0.0.1:" + controllerPort);
        p.put("controller.listener.names", "CONTROLLER");
        if (sasl == null) {
            // clients on the configured address; the controller, which only this broker talks to, on loopback
            p.put(
                    "listeners",
                    "PLAINTEXT://" + address.listenHost() + ":" + port + ",CONTROLLER://127.0.0.1:" + controllerPort);
            p.put("advertised.listeners", "PLAINTEXT://" + address.advertisedHost() + ":" + port);
            p.put("inter.broker.listener.name", "PLAINTEXT");
            p.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        } else {
            signIn(p, sasl);
        }
        p.put("log.dirs", logs().toString());
        p.put("num.partitions", Integer.toString(partitions));
        p.put("offsets.topic.replication.factor", "1");
        p.put("offsets.topic.num.partitions", "5");
        p.put("transaction.state.log.replication.factor", "1");
        p.put("transaction.state.log.min.isr", "1");
        p.put("transaction.state.log.num.partitions", "5");
        p.put("share.coordinator.state.topic.replication.factor", "1");
        p.put("share.coordinator.state.topic.min.isr", "1");
        p.put("group.initial.rebalance.delay.ms", "0");
        p.put("auto.create.topics.enable", "true");
        // a broker inside the platform's own process: threads sized to the machine, not to a dedicated server
        int cores = Runtime.getRuntime().availableProcessors();
        p.put("num.network.threads", Integer.toString(Math.clamp(cores / 2, 1, 3)));
        p.put("num.io.threads", Integer.toString(Math.clamp(cores, 2, 8)));
        p.put("background.threads", Integer.toString(Math.clamp(cores, 2, 10)));
        p.put("group.coordinator.threads", Integer.toString(Math.clamp(cores / 2, 1, 4)));
        return p;
    }

    /**
     * Every listener signs in. Clients use SCRAM on the configured address. The broker's own connections, to itself
     * and to its controller, use PLAIN on listeners of their own on loopback: SCRAM credentials live in the metadata
     * the controller serves, so they cannot sign in to it, and the broker makes its user's credential through the
     * internal one.
     */
    private void signIn(Properties p, KafkaSasl sasl) {
        p.put(
                "listeners",
                "SASL_PLAINTEXT://" + address.listenHost() + ":" + port + ",INTERNAL://127.0.0.1:" + internalPort
                        + ",CONTROLLER://127.0.0.1:" + controllerPort);
        p.put(
                "advertised.listeners",
                "SASL_PLAINTEXT://" + address.advertisedHost() + ":" + port + ",INTERNAL://127.0.0.1:" + internalPort);
        p.put(
                "listener.security.protocol.map",
                "SASL_PLAINTEXT:SASL_PLAINTEXT,INTERNAL:SASL_PLAINTEXT,CONTROLLER:SASL_PLAINTEXT");
        p.put("listener.name.sasl_plaintext.sasl.enabled.mechanisms", KafkaSasl.MECHANISM);
        p.put(
                "listener.name.sasl_plaintext." + KafkaSasl.MECHANISM.toLowerCase(Locale.ROOT) + ".sasl.jaas.config",
                sasl.scramLogin());
        p.put("inter.broker.listener.name", "INTERNAL");
        p.put("sasl.mechanism.inter.broker.protocol", "PLAIN");
        p.put("listener.name.internal.sasl.enabled.mechanisms", "PLAIN");
        p.put("listener.name.internal.plain.sasl.jaas.config", sasl.plainLogin());
        p.put("sasl.mechanism.controller.protocol", "PLAIN");
        p.put("listener.name.controller.sasl.enabled.mechanisms", "PLAIN");
        p.put("listener.name.controller.plain.sasl.jaas.config", sasl.plainLogin());
    }

    private static int freePort() {
        try (var socket = new ServerSocket(0)) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
