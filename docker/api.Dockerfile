# Shardflow API service: REST API, admin dashboard and job intake, on port 8080.
#
# Build context: the repository root.
#   ./mvnw -B -DskipTests package
#   docker build -f docker/api.Dockerfile -t shardflow/api:0.1.0-SNAPSHOT .
# or, with no JDK on the build host, let the image build the jar itself (slower, no cache of ~/.m2 across hosts):
#   docker build -f docker/api.Dockerfile --build-arg JAR_SOURCE=maven -t shardflow/api:0.1.0-SNAPSHOT .

# Pinned bases; bump them together with the other Dockerfiles in this folder.
ARG JRE_IMAGE=eclipse-temurin:25.0.3_9-jre-noble
ARG JDK_IMAGE=eclipse-temurin:25.0.3_9-jdk-noble
# prebuilt: copy the jar that `./mvnw -DskipTests package` left in api-service/target (the default).
# maven: compile it inside the build with the Maven wrapper.
ARG JAR_SOURCE=prebuilt

FROM scratch AS jar-prebuilt
COPY api-service/target/shardflow-api.jar /build/app.jar

FROM ${JDK_IMAGE} AS jar-maven
WORKDIR /src
COPY . .
RUN --mount=type=cache,target=/root/.m2 \
    ./mvnw -B -ntp -DskipTests -pl api-service -am package \
    && mkdir -p /build \
    && cp api-service/target/shardflow-api.jar /build/app.jar

FROM jar-${JAR_SOURCE} AS jar

# Split the Boot jar into its layers (dependencies, loader, snapshot dependencies — Shardflow's own modules —
# and the application), so that a code change rebuilds and ships only the top layers.
FROM ${JRE_IMAGE} AS layers
WORKDIR /build
COPY --from=jar /build/app.jar app.jar
RUN java -Djarmode=tools -jar app.jar extract --layers --launcher --destination /layers

FROM ${JRE_IMAGE}
LABEL org.opencontainers.image.title="shardflow-api" \
      org.opencontainers.image.description="Shardflow API service: REST API, admin dashboard and job intake"
# A system user with a writable home; uid 10001 because the Ubuntu base already has uid 1000 (ubuntu).
RUN groupadd --system --gid 10001 shardflow \
    && useradd --system --uid 10001 --gid shardflow --home-dir /home/shardflow --create-home \
       --shell /usr/sbin/nologin shardflow
WORKDIR /opt/shardflow
# Least to most often changed. The files stay root-owned: the service cannot rewrite its own code.
COPY --from=layers /layers/dependencies/ ./
COPY --from=layers /layers/spring-boot-loader/ ./
COPY --from=layers /layers/snapshot-dependencies/ ./
COPY --from=layers /layers/application/ ./
COPY --chmod=0755 docker/healthcheck.sh /usr/local/bin/shardflow-healthcheck
USER shardflow
ENV HOME=/home/shardflow \
    JAVA_TOOL_OPTIONS="-XX:MaxRAMPercentage=75 -XX:+ExitOnOutOfMemoryError"
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=6s --start-period=90s --retries=3 \
    CMD ["shardflow-healthcheck", "8080"]
# The JVM is PID 1 (exec form), so SIGTERM reaches Spring's graceful shutdown (30 s per phase); give the
# container a stop timeout of 45 s (compose stop_grace_period, Kubernetes terminationGracePeriodSeconds).
STOPSIGNAL SIGTERM
ENTRYPOINT ["java", "-cp", "/opt/shardflow", "org.springframework.boot.loader.launch.JarLauncher"]
