# Shardflow worker, GPU: the worker built with the Maven profile `gpu` (DJL's PyTorch CUDA 12.8 library,
# ai.djl.pytorch:pytorch-native-cu128:linux-x86_64, in place of the CPU one) on NVIDIA's CUDA runtime image,
# with the Temurin JRE copied in. HTTP (actuator) on port 8082. Needs the NVIDIA Container Toolkit on the host
# (`docker run --gpus all`, or the compose profile `gpu`).
#
# Build context: the repository root. The gpu profile writes the same jar path as the CPU build, so build the
# GPU jar right before this image (and rebuild the CPU jar before worker.Dockerfile):
#   ./mvnw -B -DskipTests -Pgpu -pl worker-service -am package
#   docker build -f docker/worker-gpu.Dockerfile -t shardflow/worker-gpu:0.1.0-SNAPSHOT .
# or let the image build the jar itself:
#   docker build -f docker/worker-gpu.Dockerfile --build-arg JAR_SOURCE=maven -t shardflow/worker-gpu:0.1.0-SNAPSHOT .

# Pinned bases; bump them together with the other Dockerfiles in this folder. The CUDA minor must be one the
# PyTorch library was built for (cu128); the host driver must support CUDA 12.8 (driver 570 or newer).
ARG CUDA_IMAGE=nvidia/cuda:12.8.1-cudnn-runtime-ubuntu24.04
ARG JRE_IMAGE=eclipse-temurin:25.0.3_9-jre-noble
ARG JDK_IMAGE=eclipse-temurin:25.0.3_9-jdk-noble
# prebuilt: copy the jar that `./mvnw -DskipTests -Pgpu package` left in worker-service/target (the default).
# maven: compile it inside the build with the Maven wrapper and the gpu profile.
ARG JAR_SOURCE=prebuilt

FROM scratch AS jar-prebuilt
COPY worker-service/target/shardflow-worker.jar /build/app.jar

FROM ${JDK_IMAGE} AS jar-maven
WORKDIR /src
COPY . .
RUN --mount=type=cache,target=/root/.m2 \
    ./mvnw -B -ntp -DskipTests -Pgpu -pl worker-service -am package \
    && mkdir -p /build \
    && cp worker-service/target/shardflow-worker.jar /build/app.jar

FROM jar-${JAR_SOURCE} AS jar

# Split the Boot jar into its layers, and refuse a jar without the CUDA library: a CPU jar here would start,
# find no CUDA build of PyTorch and quietly compute on the CPU.
FROM ${JRE_IMAGE} AS layers
WORKDIR /build
COPY --from=jar /build/app.jar app.jar
RUN java -Djarmode=tools -jar app.jar extract --layers --launcher --destination /layers \
    && if ! ls /layers/dependencies/BOOT-INF/lib/pytorch-native-cu128-*.jar > /dev/null 2>&1; then \
         echo "worker-service/target/shardflow-worker.jar has no pytorch-native-cu128: build it with -Pgpu" >&2; \
         exit 1; \
       fi

FROM ${JRE_IMAGE} AS jre

FROM ${CUDA_IMAGE}
LABEL org.opencontainers.image.title="shardflow-worker-gpu" \
      org.opencontainers.image.description="Shardflow worker with DJL's PyTorch engine on CUDA 12.8"
# The same JRE as the other images, from the Temurin image rather than the distribution's packages.
COPY --from=jre /opt/java/openjdk /opt/java/openjdk
ENV JAVA_HOME=/opt/java/openjdk \
    PATH=/opt/java/openjdk/bin:$PATH \
    LANG=C.UTF-8
# A system user with a writable home (uid 10001: the Ubuntu base already has uid 1000), and a writable cache
# where DJL unpacks PyTorch's native library (far larger for CUDA than the CPU one's 430 MB) on first start.
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
# NVIDIA_VISIBLE_DEVICES and NVIDIA_DRIVER_CAPABILITIES come from the CUDA base. Tensors live in GPU and native
# memory, outside the Java heap, so the heap takes half of the container's memory. Lanes default to one per CPU
# the container is given; set SHARDFLOW_WORKER_LANES to share one GPU among fewer lanes.
ENV HOME=/home/shardflow \
    ENGINE_CACHE_DIR=/var/cache/shardflow/engines \
    DJL_CACHE_DIR=/var/cache/shardflow/djl \
    SHARDFLOW_WORKER_DEVICE=gpu \
    SHARDFLOW_WORKER_LANES=0 \
    SHARDFLOW_WORKER_INTRA_OP_THREADS=1 \
    JAVA_TOOL_OPTIONS="-XX:MaxRAMPercentage=50 -XX:+ExitOnOutOfMemoryError"
EXPOSE 8082
HEALTHCHECK --interval=10s --timeout=6s --start-period=180s --retries=3 \
    CMD ["shardflow-healthcheck", "8082"]
# The JVM is PID 1 (exec form), so SIGTERM reaches Spring's graceful shutdown (30 s per phase); give the
# container a stop timeout of 45 s (compose stop_grace_period, Kubernetes terminationGracePeriodSeconds).
STOPSIGNAL SIGTERM
ENTRYPOINT ["java", "--enable-native-access=ALL-UNNAMED", "-Dai.djl.offline=true", \
            "-cp", "/opt/shardflow", "org.springframework.boot.loader.launch.JarLauncher"]
