package io.shardflow.standalone;

import java.nio.file.Path;
import java.util.Collections;
import java.util.EnumSet;
import java.util.Set;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.core.env.Environment;

/**
 * The standalone's own settings ({@code shardflow.data-dir}, {@code shardflow.local.*},
 * {@code shardflow.standalone.services}): where its embedded servers keep their data and listen, and which services
 * the JVM runs. Read before the services' context exists, so {@link #of} binds them from the command line.
 *
 * @param dataDir where PostgreSQL and Kafka keep their data; a restart on the same folder keeps everything
 * @param local where the embedded servers listen, and how they sign clients in
 * @param standalone which services this JVM runs
 */
@ConfigurationProperties("shardflow")
public record StandaloneSettings(
        @DefaultValue("shardflow-data") Path dataDir,
        @DefaultValue Local local,
        @DefaultValue Standalone standalone) {

    /**
     * The embedded servers' addresses and sign-in ({@code shardflow.local.*}). PostgreSQL always asks for a password
     * (SCRAM), generated once per data folder and kept in {@code <data-dir>/postgres-password}; the broker does when
     * {@code kafka-sasl} is on ({@code <data-dir>/kafka-password}). Both files, like {@code connection.properties},
     * are readable by their owner only.
     *
     * @param address the address both servers listen on: {@code 127.0.0.1} (the default) keeps them to this machine;
     *     another of this machine's addresses, or {@code 0.0.0.0} for all of them, lets other machines in.
     *     PostgreSQL listens on {@code 127.0.0.1} as well, and the broker's controller only there
     * @param kafkaPort port of the embedded broker, reachable by other programs
     * @param postgresPort port of the embedded PostgreSQL; 0 picks a free one
     * @param kafkaSasl whether the broker signs clients in (SASL/SCRAM-SHA-512, user {@code shardflow}); the
     *     services this JVM runs and {@code connection.properties} get the matching client settings
     * @param postgresSynchronousCommit whether the embedded PostgreSQL's commits wait until they are on disk, so
     *     that an answered request (a job's 202) survives a crash of PostgreSQL or of the machine. Off is faster and
     *     NOT durable: such a crash loses what was committed in its last fraction of a second
     */
    public record Local(
            @DefaultValue("127.0.0.1") String address,
            @DefaultValue("9092") int kafkaPort,
            @DefaultValue("0") int postgresPort,
            @DefaultValue("false") boolean kafkaSasl,
            @DefaultValue("true") boolean postgresSynchronousCommit) {}

    /**
     * The services this JVM runs ({@code shardflow.standalone.*}).
     *
     * @param services the services this JVM runs; others may run elsewhere against the same servers. {@code none}
     *     runs only PostgreSQL and Kafka
     */
    public record Standalone(
            @DefaultValue({"api", "scheduler", "worker"}) Set<Service> services) {
        public Standalone {
            if (services.contains(Service.NONE) && services.size() > 1) {
                throw new IllegalArgumentException(
                        "shardflow.standalone.services=none runs no service; it cannot be listed with " + services);
            }
            var named = EnumSet.noneOf(Service.class);
            named.addAll(services);
            named.remove(Service.NONE);
            services = Collections.unmodifiableSet(named);
        }
    }

    /** A service the standalone can run; {@code none} alone runs only PostgreSQL and Kafka. */
    public enum Service {
        API,
        SCHEDULER,
        WORKER,
        NONE
    }

    public static StandaloneSettings of(Environment environment) {
        return Binder.get(environment).bindOrCreate("shardflow", StandaloneSettings.class);
    }
}
