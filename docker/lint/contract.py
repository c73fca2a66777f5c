"""What docker/check.sh holds the deployment files to, beyond what the linters know.

  contract.py compose RENDERED.yaml ENV_FILE RAW_COMPOSE   (RENDERED: `docker-compose config` output)
  contract.py dockerfile FILE...
  contract.py observability PROMETHEUS_YML GRAFANA_DIR

Compose: the five services and the GPU worker, their health checks, start order, stop grace, memory limits,
scale-safe ports, pinned images, the GPU reservation under the `gpu` profile, the API's bootstrap ADMIN key from
the env file (and on no other service), and no credential written in the compose file itself. Dockerfiles: pinned bases, the layered Boot jar run by JarLauncher as a non-root user, the
port, the readiness health check, SIGTERM, the heap as a share of the container's memory, and for the workers
DJL's cache, native access and offline mode. Observability: Prometheus scrapes every service's
/actuator/prometheus with the token file, and Grafana's provisioning loads a valid dashboard from the Prometheus
data source. Prints one line per broken rule and exits 1 if there is any.
Runs on Debian's /usr/bin/python3 with python3-yaml (a dependency of the docker-compose package).
"""

import re
import sys

import yaml

PORTS = {"api": 8080, "scheduler": 8081, "worker": 8082, "worker-gpu": 8082}
JARS = {
    "api": "api-service/target/shardflow-api.jar",
    "scheduler": "scheduler-service/target/shardflow-scheduler.jar",
    "worker": "worker-service/target/shardflow-worker.jar",
    "worker-gpu": "worker-service/target/shardflow-worker.jar",
}
SPRING_ENV = (
    "SPRING_DATASOURCE_URL",
    "SPRING_DATASOURCE_USERNAME",
    "SPRING_DATASOURCE_PASSWORD",
    "SPRING_KAFKA_BOOTSTRAP_SERVERS",
)
# The API's first ADMIN key: the variable the API reads, and the one docker/.env sets it with.
ADMIN_KEY_ENV = "SHARDFLOW_SECURITY_BOOTSTRAP_ADMIN_KEY"
ADMIN_KEY_VARIABLE = "SHARDFLOW_ADMIN_API_KEY"
# The scrape token: the variable every service and Prometheus read, set from the env file.
SCRAPE_TOKEN_ENV = "SHARDFLOW_METRICS_SCRAPE_TOKEN"
# A pinned tag: a version number in the tag, and none of the moving names.
PINNED = re.compile(r"^[\w./-]+:(?!latest$|stable$|edge$|lts$)[\w.-]*\d[\w.-]*(@sha256:[0-9a-f]{64})?$")

problems = []


def fail(where, what):
    problems.append(f"{where}: {what}")


def env_of(service):
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) if "=" in item else (item, None) for item in env)
    return {k: (None if v is None else str(v)) for k, v in env.items()}


def read_env_file(path):
    values = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if line and not line.startswith("#") and "=" in line:
                key, value = line.split("=", 1)
                values[key] = value
    return values


def check_compose(rendered_path, env_path, raw_path):
    with open(rendered_path, encoding="utf-8") as f:
        rendered = yaml.safe_load(f)
    env_file = read_env_file(env_path)
    services = rendered.get("services") or {}

    for name in ("postgres", "kafka", "api", "scheduler", "worker", "worker-gpu", "prometheus", "grafana"):
        if name not in services:
            fail("compose", f"no service {name}")
    for name, svc in services.items():
        where = f"compose {name}"
        image = svc.get("image", "")
        if not PINNED.match(image):
            fail(where, f"image {image!r} is not pinned to a version tag")
        test = (svc.get("healthcheck") or {}).get("test")
        if not test or test == ["NONE"]:
            fail(where, "no health check")
        if not svc.get("mem_limit") and not ((svc.get("deploy") or {}).get("resources") or {}).get("limits"):
            fail(where, "no memory limit")
        if "container_name" in svc:
            fail(where, "container_name stops --scale")

    if not services.get("postgres", {}).get("image", "").startswith("postgres:17"):
        fail("compose postgres", "not the official postgres:17 image")
    if not services.get("kafka", {}).get("image", "").startswith("apache/kafka:4.1."):
        fail("compose kafka", "not the official apache/kafka:4.1.x image")
    kafka_env = env_of(services.get("kafka", {}))
    if "broker,controller" not in (kafka_env.get("KAFKA_PROCESS_ROLES") or ""):
        fail("compose kafka", "not a combined KRaft broker and controller")
    for name, target in (("postgres", "/var/lib/postgresql/data"), ("kafka", "/var/lib/kafka/data")):
        mounts = [str(v) for v in services.get(name, {}).get("volumes", [])]
        if not any(m.split(":")[0] == f"{name}-data" and m.split(":")[1] == target for m in mounts):
            fail(f"compose {name}", f"no named volume {name}-data on {target}")
        if f"{name}-data" not in (rendered.get("volumes") or {}):
            fail("compose", f"volume {name}-data is not declared")

    for name, port in PORTS.items():
        svc = services.get(name)
        if svc is None:
            continue
        where = f"compose {name}"
        deps = svc.get("depends_on") or {}
        for dep in ("postgres", "kafka"):
            if not isinstance(deps, dict) or (deps.get(dep) or {}).get("condition") != "service_healthy":
                fail(where, f"does not wait for {dep} to be healthy")
        if str(svc.get("stop_grace_period")) not in ("45s", "45"):
            fail(where, f"stop_grace_period is {svc.get('stop_grace_period')}, not 45s")
        env = env_of(svc)
        for key in SPRING_ENV:
            if not env.get(key):
                fail(where, f"no {key}")
        if env.get("SPRING_DATASOURCE_PASSWORD") != env_file.get("POSTGRES_PASSWORD"):
            fail(where, "SPRING_DATASOURCE_PASSWORD does not come from the env file's POSTGRES_PASSWORD")
        if str(port) not in [str(t) for t in (svc.get("healthcheck") or {}).get("test", [])]:
            fail(where, f"health check does not probe port {port}")
        published = []
        for p in svc.get("ports", []):
            if isinstance(p, dict):
                if int(p.get("target", 0)) == port and p.get("published"):
                    published.append(str(p["published"]))
            else:
                m = re.match(r"^(?:[\d.]+:)?(\d*):(\d+)", str(p))
                if m and int(m.group(2)) == port and m.group(1):
                    published.append(m.group(1))
        if name != "api" and published:
            fail(where, f"fixed host port {published} stops --scale {name}=2")

    # Only the API authenticates callers; its first ADMIN key comes from the env file.
    api_env = env_of(services.get("api", {}))
    if not api_env.get(ADMIN_KEY_ENV):
        fail("compose api", f"no {ADMIN_KEY_ENV}")
    elif api_env.get(ADMIN_KEY_ENV) != env_file.get(ADMIN_KEY_VARIABLE):
        fail("compose api", f"{ADMIN_KEY_ENV} does not come from the env file's {ADMIN_KEY_VARIABLE}")
    for name in ("scheduler", "worker", "worker-gpu"):
        for key in env_of(services.get(name, {})):
            if key.startswith("SHARDFLOW_SECURITY_"):
                fail(f"compose {name}", f"{key}: only the API authenticates callers")

    # Every service serves its meters to the scrape token, and Prometheus sends it; both from the env file.
    for name in ("api", "scheduler", "worker", "worker-gpu", "prometheus"):
        if env_of(services.get(name, {})).get(SCRAPE_TOKEN_ENV) != env_file.get(SCRAPE_TOKEN_ENV):
            fail(f"compose {name}", f"{SCRAPE_TOKEN_ENV} does not come from the env file")
    prometheus = services.get("prometheus", {})
    mounts = [str(v.get("target") if isinstance(v, dict) else v) for v in prometheus.get("volumes", [])]
    if not any("/etc/prometheus/prometheus.yml" in m for m in mounts):
        fail("compose prometheus", "docker/prometheus/prometheus.yml is not mounted as its configuration")
    if "/prometheus/scrape-token" not in " ".join(str(c) for c in (prometheus.get("command") or [])):
        fail("compose prometheus", "does not write the scrape token to /prometheus/scrape-token")
    grafana = services.get("grafana", {})
    mounts = [str(v.get("target") if isinstance(v, dict) else v) for v in grafana.get("volumes", [])]
    for target in ("/etc/grafana/provisioning", "/var/lib/grafana/dashboards"):
        if not any(target in m for m in mounts):
            fail("compose grafana", f"nothing mounted on {target}")
    if not env_of(grafana).get("GF_SECURITY_ADMIN_PASSWORD"):
        fail("compose grafana", "no admin password from the env file (GF_SECURITY_ADMIN_PASSWORD)")

    gpu = services.get("worker-gpu", {})
    if gpu.get("profiles") != ["gpu"]:
        fail("compose worker-gpu", f"profiles are {gpu.get('profiles')}, not [gpu]")
    devices = (((gpu.get("deploy") or {}).get("resources") or {}).get("reservations") or {}).get("devices") or []
    if not any(d.get("driver") == "nvidia" and "gpu" in (d.get("capabilities") or []) for d in devices):
        fail("compose worker-gpu", "no NVIDIA GPU reservation")
    if env_of(gpu).get("SHARDFLOW_WORKER_DEVICE") != "gpu":
        fail("compose worker-gpu", "SHARDFLOW_WORKER_DEVICE is not gpu")

    # Nothing secret inline: every password- or key-like value in the file itself is a variable, and the ADMIN
    # key one that compose refuses to go without.
    admin_key_lines = 0
    with open(raw_path, encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            m = re.match(r"^\s*-?\s*([A-Z_]*(?:PASSWORD|SECRET|TOKEN|_KEY)[A-Z_]*)\s*[:=]\s*(.*?)\s*$", line)
            if m and not m.group(2).startswith("${"):
                fail(f"{raw_path}:{number}", f"{m.group(1)} is written inline, not taken from the env file")
            if m and m.group(1) == ADMIN_KEY_ENV:
                admin_key_lines += 1
                if not m.group(2).startswith("${" + ADMIN_KEY_VARIABLE + ":?"):
                    fail(
                        f"{raw_path}:{number}",
                        f"{ADMIN_KEY_ENV} is not ${{{ADMIN_KEY_VARIABLE}:?...}} (required from the env file)",
                    )
    if admin_key_lines != 1:
        fail(raw_path, f"{ADMIN_KEY_ENV} is set on {admin_key_lines} lines, not once (for the API)")


def instructions(path):
    """(line number, INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    result, buffer, start = [], "", 0
    with open(path, encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            stripped = line.strip()
            if not buffer and (not stripped or stripped.startswith("#")):
                continue
            if buffer and stripped.startswith("#"):
                continue
            if not buffer:
                start = number
            if stripped.endswith("\\"):
                buffer += stripped[:-1] + " "
                continue
            buffer += stripped
            word, _, rest = buffer.partition(" ")
            result.append((start, word.upper(), rest.strip()))
            buffer = ""
    return result


def check_dockerfile(path):
    name = re.sub(r"\.Dockerfile$", "", path.rsplit("/", 1)[-1])
    port = PORTS.get(name)
    if port is None:
        fail(path, f"unknown image {name!r}: expected one of {sorted(PORTS)}")
        return
    steps = instructions(path)
    args, stages = {}, []
    for _, word, rest in steps:
        if word == "ARG" and not stages and "=" in rest:
            key, value = rest.split("=", 1)
            args[key] = value
        if word == "FROM":
            stages.append(rest)
    for _, word, rest in steps:
        if word != "FROM":
            continue
        image = rest.split()[0]
        resolved = re.sub(r"\$\{(\w+)\}", lambda m: args.get(m.group(1), m.group(0)), image)
        stage_names = {s.split()[-1] for s in stages if " AS " in s.upper()}
        if resolved == "scratch" or resolved in stage_names or resolved.startswith("jar-"):
            continue
        if not PINNED.match(resolved):
            fail(path, f"base {resolved!r} is not pinned to a version tag")
    final = [i for i, (_, word, _) in enumerate(steps) if word == "FROM"][-1]
    last = steps[final:]

    def in_final(word):
        return [rest for _, w, rest in last if w == word]

    text = "\n".join(f"{w} {r}" for _, w, r in steps)
    users = in_final("USER")
    if not users or users[-1] in ("root", "0", "0:0"):
        fail(path, "the final stage does not run as a non-root user")
    if not any("useradd" in r and "--create-home" in r for r in in_final("RUN")):
        fail(path, "no user with a home directory is created")
    if f"EXPOSE {port}" not in [f"EXPOSE {r}" for r in in_final("EXPOSE")]:
        fail(path, f"does not EXPOSE {port}")
    health = in_final("HEALTHCHECK")
    if not health or "shardflow-healthcheck" not in health[-1] or f'"{port}"' not in health[-1]:
        fail(path, f"no HEALTHCHECK of the readiness group on port {port}")
    if in_final("STOPSIGNAL") != ["SIGTERM"]:
        fail(path, "STOPSIGNAL is not SIGTERM")
    entry = in_final("ENTRYPOINT")
    if not entry or not entry[-1].startswith("[") or "org.springframework.boot.loader.launch.JarLauncher" not in entry[-1]:
        fail(path, "ENTRYPOINT is not the exec form of Boot's JarLauncher")
    if "-Djarmode=tools -jar app.jar extract --layers --launcher" not in text:
        fail(path, "does not extract the Boot jar's layers with the tools jar mode")
    for layer in ("dependencies", "spring-boot-loader", "snapshot-dependencies", "application"):
        if not any(f"/layers/{layer}/" in r for r in in_final("COPY")):
            fail(path, f"does not copy the {layer} layer")
    if f"COPY {JARS[name]} " not in text:
        fail(path, f"does not take the prebuilt {JARS[name]}")
    env = " ".join(in_final("ENV"))
    if "-XX:MaxRAMPercentage=" not in env or "JAVA_TOOL_OPTIONS" not in env:
        fail(path, "no heap as a share of the container's memory (JAVA_TOOL_OPTIONS -XX:MaxRAMPercentage)")
    if name.startswith("worker"):
        if "ENGINE_CACHE_DIR=" not in env:
            fail(path, "no ENGINE_CACHE_DIR for DJL's native library")
        if not entry or "--enable-native-access=ALL-UNNAMED" not in entry[-1] or "-Dai.djl.offline=true" not in entry[-1]:
            fail(path, "the JVM does not run with --enable-native-access=ALL-UNNAMED and -Dai.djl.offline=true")
    if name == "worker-gpu":
        if not re.search(r"nvidia/cuda:12\.8\.[\d.]+-cudnn-runtime-ubuntu24\.04", text):
            fail(path, "the base is not a CUDA 12.8 cuDNN runtime on Ubuntu 24.04")
        if "COPY --from=jre /opt/java/openjdk" not in text:
            fail(path, "does not copy the Temurin JRE in")
        if "SHARDFLOW_WORKER_DEVICE=gpu" not in env:
            fail(path, "does not set SHARDFLOW_WORKER_DEVICE=gpu")
        if "-Pgpu" not in text:
            fail(path, "the in-image Maven build does not use the gpu profile")


def check_observability(prometheus_path, grafana_dir):
    import json
    import os

    with open(prometheus_path, encoding="utf-8") as f:
        prometheus = yaml.safe_load(f)
    scraped = {}
    for job in prometheus.get("scrape_configs") or []:
        where = f"{prometheus_path} job {job.get('job_name')}"
        if job.get("metrics_path") != "/actuator/prometheus":
            fail(where, "does not scrape /actuator/prometheus")
        if (job.get("authorization") or {}).get("credentials_file") != "/prometheus/scrape-token":
            fail(where, "does not send the scrape token from /prometheus/scrape-token")
        for sd in job.get("dns_sd_configs") or []:
            for name in sd.get("names") or []:
                scraped[name] = sd.get("port")
    for name, port in PORTS.items():
        if scraped.get(name) != port:
            fail(prometheus_path, f"does not scrape {name} on port {port}")

    datasources = os.path.join(grafana_dir, "provisioning", "datasources")
    uids = set()
    for file in sorted(os.listdir(datasources)):
        with open(os.path.join(datasources, file), encoding="utf-8") as f:
            for source in yaml.safe_load(f).get("datasources") or []:
                if source.get("type") == "prometheus" and source.get("url") == "http://prometheus:9090":
                    uids.add(source.get("uid"))
    if not uids:
        fail(datasources, "no Prometheus data source at http://prometheus:9090")
    providers = os.path.join(grafana_dir, "provisioning", "dashboards")
    paths = []
    for file in sorted(os.listdir(providers)):
        with open(os.path.join(providers, file), encoding="utf-8") as f:
            paths += [(p.get("options") or {}).get("path") for p in yaml.safe_load(f).get("providers") or []]
    if "/var/lib/grafana/dashboards" not in paths:
        fail(providers, "no provider loads /var/lib/grafana/dashboards")
    dashboards = os.path.join(grafana_dir, "dashboards")
    files = [f for f in sorted(os.listdir(dashboards)) if f.endswith(".json")]
    if not files:
        fail(dashboards, "no dashboard")
    for file in files:
        path = os.path.join(dashboards, file)
        try:
            with open(path, encoding="utf-8") as f:
                dashboard = json.load(f)
        except ValueError as e:
            fail(path, f"not JSON: {e}")
            continue
        if not dashboard.get("uid") or not dashboard.get("title"):
            fail(path, "no uid or title")
        ids = [p.get("id") for p in dashboard.get("panels") or []]
        if not ids or len(ids) != len(set(ids)):
            fail(path, "no panels, or panel ids that repeat")
        for panel in dashboard.get("panels") or []:
            where = f"{path} panel {panel.get('title')!r}"
            if (panel.get("datasource") or {}).get("uid") not in uids:
                fail(where, "its data source is not the provisioned Prometheus")
            targets = panel.get("targets") or []
            if not targets or not all(t.get("expr") for t in targets):
                fail(where, "a target without a query")
            grid = panel.get("gridPos") or {}
            if not all(isinstance(grid.get(k), int) for k in ("h", "w", "x", "y")):
                fail(where, "no grid position")


def main(argv):
    if len(argv) >= 2 and argv[1] == "compose" and len(argv) == 5:
        check_compose(argv[2], argv[3], argv[4])
    elif len(argv) == 4 and argv[1] == "observability":
        check_observability(argv[2], argv[3])
    elif len(argv) >= 3 and argv[1] == "dockerfile":
        for path in argv[2:]:
            check_dockerfile(path)
    else:
        print(__doc__, file=sys.stderr)
        return 2
    for problem in problems:
        print(problem)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
