#!/usr/bin/env bash
# Checks the deployment files in docker/ on a machine with no Docker engine (CI has none): nothing here builds
# or runs an image. What it does check:
#   compose   docker-compose 1.29 (Debian's package) renders compose.yaml, default and `gpu` profile, with an
#             env file made from .env.example, and refuses it without the database password or the API's
#             bootstrap ADMIN key; dclint validates it against the Compose Specification schema that the Compose
#             v2 plugin uses; contract.py holds the rendered file to the services' contract (health checks, start
#             order, stop grace, limits, scaling, GPU, the ADMIN key on the API alone, the scrape token on every
#             service and Prometheus), and Prometheus's and Grafana's files to theirs (every service scraped with
#             the token; the dashboard's JSON and its provisioning). Whether every metric the dashboard queries is
#             one the platform exports is MetricsIT's to say (it reads the dashboard after a real workload).
#   images    dockerfile-utils lints each Dockerfile (instructions, flags, durations, ports); contract.py
#             checks pinned bases, non-root user, layered jar, port, health check, SIGTERM, the workers' DJL
#             settings; .dockerignore lets the jars in.
#   scripts   shellcheck on the shell scripts; the health-check script against a local HTTP server.
#   jars      if ./mvnw package has made the service jars: the Dockerfiles' layer extraction on each of them.
# Needs: docker-compose, shellcheck, node and npm (`apt-get install -y docker-compose shellcheck npm`), a java
# for the jar step. The npm linters (pinned in docker/lint/package-lock.json) are installed into
# docker/lint/node_modules, which git ignores.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 2

LINT=docker/lint
PY=/usr/bin/python3 # Debian's, which has python3-yaml (docker-compose depends on it)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
passed=0
failed=0

# Runs one named check, shows its output only when it fails, and counts it.
check() {
    local name=$1
    shift
    if "$@" >"$work/out" 2>&1; then
        passed=$((passed + 1))
        echo "ok    $name"
    else
        failed=$((failed + 1))
        echo "FAIL  $name"
        sed 's/^/      /' "$work/out"
    fi
}

missing=()
command -v docker-compose >/dev/null || missing+=(docker-compose)
command -v shellcheck >/dev/null || missing+=(shellcheck)
command -v npm >/dev/null || missing+=(npm)
"$PY" -c 'import yaml' 2>/dev/null || missing+=(python3-yaml)
if [ ${#missing[@]} -gt 0 ]; then
    echo "docker/check.sh needs: apt-get install -y ${missing[*]}" >&2
    exit 2
fi

# The pinned linters, reinstalled only when the lockfile changed.
if [ ! -x "$LINT/node_modules/.bin/dclint" ] || [ ! -x "$LINT/node_modules/.bin/dockerfile-utils" ] ||
    [ "$LINT/package-lock.json" -nt "$LINT/node_modules/.package-lock.json" ]; then
    (cd "$LINT" && npm ci --no-audit --no-fund --loglevel=error) || {
        echo "npm ci in $LINT failed" >&2
        exit 2
    }
fi

# An env file as a user makes it from the template, with the values they must fill in; and one for each of those
# values that leaves it empty.
fill_password='s/^POSTGRES_PASSWORD=$/POSTGRES_PASSWORD=only-for-docker-check/'
fill_admin_key='s/^SHARDFLOW_ADMIN_API_KEY=$/SHARDFLOW_ADMIN_API_KEY=only-for-docker-check-0123456789abcdef/'
fill_scrape_token='s/^SHARDFLOW_METRICS_SCRAPE_TOKEN=$/SHARDFLOW_METRICS_SCRAPE_TOKEN=only-for-docker-check-scrape-0123456789/'
fill_grafana='s/^GRAFANA_ADMIN_PASSWORD=$/GRAFANA_ADMIN_PASSWORD=only-for-docker-check/'
sed -e "$fill_password" -e "$fill_admin_key" -e "$fill_scrape_token" -e "$fill_grafana" docker/.env.example >"$work/env"
sed -e "$fill_admin_key" -e "$fill_scrape_token" -e "$fill_grafana" docker/.env.example >"$work/env-no-password"
sed -e "$fill_password" -e "$fill_scrape_token" -e "$fill_grafana" docker/.env.example >"$work/env-no-admin-key"
sed -e "$fill_password" -e "$fill_admin_key" -e "$fill_grafana" docker/.env.example >"$work/env-no-scrape-token"
sed -e "$fill_password" -e "$fill_admin_key" -e "$fill_scrape_token" docker/.env.example >"$work/env-no-grafana"
compose() { docker-compose --env-file "$work/env" -f docker/compose.yaml "$@"; }

# --- compose ---
check "compose: docker-compose 1.29 renders the default services" compose config -q
check "compose: docker-compose 1.29 renders the gpu profile" compose --profile gpu config -q
# Rendering with an env file that leaves VARIABLE empty must fail, with the compose file's message about it.
refuses_without() {
    local env_file=$1 variable=$2
    if docker-compose --env-file "$env_file" -f docker/compose.yaml config -q >"$work/refused" 2>&1; then
        echo "rendered with an empty $variable"
        return 1
    fi
    grep -qF "set $variable in docker/.env" "$work/refused" || {
        echo "refused, but not for $variable:"
        cat "$work/refused"
        return 1
    }
}
check "compose: refuses to render without POSTGRES_PASSWORD" \
    refuses_without "$work/env-no-password" POSTGRES_PASSWORD
check "compose: refuses to render without SHARDFLOW_ADMIN_API_KEY" \
    refuses_without "$work/env-no-admin-key" SHARDFLOW_ADMIN_API_KEY
check "compose: refuses to render without SHARDFLOW_METRICS_SCRAPE_TOKEN" \
    refuses_without "$work/env-no-scrape-token" SHARDFLOW_METRICS_SCRAPE_TOKEN
check "compose: refuses to render without GRAFANA_ADMIN_PASSWORD" \
    refuses_without "$work/env-no-grafana" GRAFANA_ADMIN_PASSWORD
check "compose: Compose Specification schema and lint rules (dclint)" \
    "$LINT/node_modules/.bin/dclint" -c "$LINT/dclint.json" docker/compose.yaml
compose_contract() {
    compose --profile gpu config >"$work/rendered.yaml" &&
        "$PY" "$LINT/contract.py" compose "$work/rendered.yaml" "$work/env" docker/compose.yaml
}
check "compose: the services' contract (contract.py)" compose_contract
check "compose: .env stays out of git" git check-ignore -q docker/.env
check "compose: Prometheus and Grafana's files (contract.py)" \
    "$PY" "$LINT/contract.py" observability docker/prometheus/prometheus.yml docker/grafana

# --- images ---
for dockerfile in docker/*.Dockerfile; do
    check "image: $dockerfile lints clean (dockerfile-utils)" \
        "$LINT/node_modules/.bin/dockerfile-utils" lint "$dockerfile"
done
check "image: the Dockerfiles' contract (contract.py)" "$PY" "$LINT/contract.py" dockerfile docker/*.Dockerfile
dockerignore_lets_in() {
    local path ok=0
    for path in api-service/target/shardflow-api.jar scheduler-service/target/shardflow-scheduler.jar \
        worker-service/target/shardflow-worker.jar docker/healthcheck.sh; do
        grep -qxF "!$path" .dockerignore || {
            echo ".dockerignore does not let $path into the build context"
            ok=1
        }
    done
    return $ok
}
check "image: .dockerignore lets the jars and the health check in" dockerignore_lets_in

# --- scripts ---
check "scripts: shellcheck" shellcheck docker/check.sh docker/healthcheck.sh
healthcheck_answers() {
    # A stand-in service: 200 on the readiness path, 503 elsewhere.
    "$PY" -c '
import http.server, sys
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200 if self.path == "/actuator/health/readiness" else 503)
        self.end_headers()
    def log_message(self, *a): pass
s = http.server.HTTPServer(("127.0.0.1", 0), H)
print(s.server_address[1], flush=True)
s.serve_forever()' >"$work/port" &
    local server=$! port="" ok=0
    for _ in $(seq 1 50); do
        port=$(cat "$work/port")
        [ -n "$port" ] && break
        sleep 0.1
    done
    bash docker/healthcheck.sh "$port" || { echo "readiness 200 reported unhealthy"; ok=1; }
    SERVER_PORT=$port bash docker/healthcheck.sh 1 || { echo "SERVER_PORT not used"; ok=1; }
    ! bash docker/healthcheck.sh "$port" /actuator/health/down || { echo "503 reported healthy"; ok=1; }
    kill "$server"
    wait "$server" 2>/dev/null
    ! bash docker/healthcheck.sh "$port" || { echo "a closed port reported healthy"; ok=1; }
    return $ok
}
check "scripts: healthcheck.sh tells 200 from 503 and from a closed port" healthcheck_answers

# --- jars (only once ./mvnw package has made them) ---
extracts_like_the_image() {
    local jar=$1 native=$2 dest="$work/layers-$RANDOM" layer
    java -Djarmode=tools -jar "$jar" extract --layers --launcher --destination "$dest" || return 1
    for layer in dependencies spring-boot-loader snapshot-dependencies application; do
        [ -d "$dest/$layer" ] || { echo "no $layer layer"; return 1; }
    done
    [ -f "$dest/spring-boot-loader/org/springframework/boot/loader/launch/JarLauncher.class" ] ||
        { echo "no JarLauncher in the spring-boot-loader layer"; return 1; }
    [ -d "$dest/application/BOOT-INF/classes" ] || { echo "no application classes"; return 1; }
    if [ -n "$native" ] && ! compgen -G "$dest/dependencies/BOOT-INF/lib/$native-*.jar" >/dev/null; then
        echo "no $native in the dependencies layer"
        return 1
    fi
    rm -rf "$dest"
}
for spec in api-service/target/shardflow-api.jar: scheduler-service/target/shardflow-scheduler.jar: \
    worker-service/target/shardflow-worker.jar:pytorch-native; do
    jar=${spec%%:*}
    if [ -f "$jar" ]; then
        check "jar: $jar splits into the layers the Dockerfiles copy" extracts_like_the_image "$jar" "${spec#*:}"
    else
        echo "skip  jar: $jar is not built (./mvnw -DskipTests package makes it)"
    fi
done

echo "docker/check.sh: $passed checks passed, $failed failed (no image was built or run: no Docker engine here)"
[ "$failed" -eq 0 ]
