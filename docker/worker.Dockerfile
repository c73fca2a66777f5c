# Shardflow worker, CPU: runs shards on compute lanes with DJL's PyTorch engine (CPU library).
# HTTP (actuator) on port 8082.
#
# Build context: the repository root.
#   ./mvnw -B -DskipTests package
#   docker build -f docker/worker.Dockerfile -t shardflow/worker:0.1.0-SNAPSHOT .
# or, with no JDK on the build host, let the image build the jar itself:
#   docker build -f docker/worker.Dockerfile --build-arg JAR_SOURCE=maven -t shardflow/worker:0.1.0-SNAPSHOT .
# The GPU image is worker-gpu.Dockerfile (a jar built with -Pgpu on a CUDA base).

# Pinned bases; bump them together with the other Dockerfiles in this folder.
ARG JRE_IMAGE=eclipse-temurin:25.0.3_9-jre-noble
ARG JDK_IMAGE=eclipse-temurin:25.0.3_9-jdk-noble
# prebuilt: copy the jar that `./mvnw -DskipTests package` left in worker-service/target (the default).
# maven: compile it inside the build with the Maven wrapper.
ARG JAR_SOURCE=prebuilt

FROM scratch AS jar-prebuilt
COPY worker-service/target/shardflow-worker.jar /build/app.jar

FROM ${JDK_IMAGE} AS jar-maven
WORKDIR /src
COPY . .
RUN --mount=type=cache,target=/root/.m2 \
    ./mvnw -B -ntp -DskipTests -pl worker-service -am package \
    && mkdir -p /build \
    && cp worker-service/target/shardflow-worker.jar /build/app.jar

FROM jar-${JAR_SOURCE} AS jar

# Split the Boot jar into its layers. PyTorch's native library (a 112 MB jar) sits in the dependencies layer,
# which changes only when DJL does. Refuse a jar built with -Pgpu: its CUDA library belongs in worker-gpu.
FROM ${JRE_IMAGE} AS layers
WORKDIR /build
COPY --from=jar /build/app.jar app.jar
RUN java -Djarmode=tools -jar app.jar extract --layers --launcher --destination /layers \
    && if ! ls /layers/dependencies/BOOT-INF/lib/pytorch-native-cpu-*.jar > /dev/null 2>&1; then \
         echo "worker-service/target/shardflow-worker.jar has no pytorch-native-cpu: build it without -Pgpu" >&2; \
         exit 1; \
       fi

FROM ${JRE_IMAGE}
LABEL org.opencontainers.image.title="shardflow-worker" \
      org.opencontainers.image.description="Shardflow worker with DJL's PyTorch engine on CPU"
# A system user with a writable home (uid 10001: the Ubuntu base already has uid 1000), and a writable cache
# where DJL unpacks PyTorch's native library (about 430 MB) on first start.
RUN groupadd --system --gid 10001 shardflow \
    && useradd --system --uid 10001 --gid shardflow --home-dir /home/shardflow --create-home \
       --shell /usr/sbin/nologin shardflow \
    && mkdir -p /var/cache/shardflow/engines /var/cache/shardflow/djl \
    && chown -R shardflow:shardflow /var/cache/shardflow
WORKDIR /opt/shardflow
# Least to most often changed. The files stay root-owned: the service cannot rewrite its own code.
COPY --from=layers /layers/dependencies/ ./
COPY --from=layers /layers/spring-boot-loader/ ./
COPY --from=layers /layers/snapshot-dependencies/ ./
COPY --from=layers /layers/application/ ./
COPY --chmod=0755 docker/healthcheck.sh /usr/local/bin/shardflow-healthcheck
USER shardflow
# Tensors live in native memory, outside the Java heap, so the heap takes half of the container's memory, not
# three quarters. Lanes default to one per CPU the container is given (SHARDFLOW_WORKER_LANES=0), one PyTorch
# thread each (SHARDFLOW_WORKER_INTRA_OP_THREADS=1), so lanes × threads never exceed the CPUs.
ENV HOME=/home/shardflow \
    ENGINE_CACHE_DIR=/var/cache/shardflow/engines \
    DJL_CACHE_DIR=/var/cache/shardflow/djl \
    SHARDFLOW_WORKER_LANES=0 \
    SHARDFLOW_WORKER_INTRA_OP_THREADS=1 \
    JAVA_TOOL_OPTIONS="-XX:MaxRAMPercentage=50 -XX:+ExitOnOutOfMemoryError"
EXPOSE 8082
HEALTHCHECK --interval=10s --timeout=6s --start-period=120s --retries=3 \
    CMD ["shardflow-healthcheck", "8082"]
# The JVM is PID 1 (exec form), so SIGTERM reaches Spring's graceful shutdown (30 s per phase); give the
# container a stop timeout of 45 s (compose stop_grace_period, Kubernetes terminationGracePeriodSeconds).
STOPSIGNAL SIGTERM
# DJL's PyTorch binding and JNA call native code; offline, so any attempt to download an engine or a model
# fails fast instead of hanging on a network a production host may not have.
ENTRYPOINT ["java", "--enable-native-access=ALL-UNNAMED", "-Dai.djl.offline=true", \
            "-cp", "/opt/shardflow", "org.springframework.boot.loader.launch.JarLauncher"]
