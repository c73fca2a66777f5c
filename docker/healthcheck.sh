#!/bin/bash
# Container health check for the Shardflow services: exits 0 when the service's readiness group
# (/actuator/health/readiness) answers 200, 1 otherwise.
#
#   shardflow-healthcheck DEFAULT_PORT [PATH]
#
# The port is MANAGEMENT_SERVER_PORT if set (actuator on its own port), else SERVER_PORT, else DEFAULT_PORT,
# so a container started with another port still checks the right one. Plain bash (/dev/tcp) because neither
# the Temurin JRE image nor the CUDA runtime image is guaranteed to ship curl or wget, and a health check
# should not start a second JVM every few seconds.
set -u
port="${MANAGEMENT_SERVER_PORT:-${SERVER_PORT:-${1:?usage: shardflow-healthcheck DEFAULT_PORT [PATH]}}}"
path="${2:-/actuator/health/readiness}"

if ! { exec 3<>"/dev/tcp/127.0.0.1/${port}"; } 2>/dev/null; then
    echo "nothing listens on port ${port}"
    exit 1
fi
printf 'GET %s HTTP/1.1\r\nHost: localhost\r\nAccept: application/json\r\nConnection: close\r\n\r\n' "$path" >&3
if ! IFS= read -r -t 5 status <&3; then
    echo "no answer from port ${port} within 5 s"
    exit 1
fi
status="${status%$'\r'}"
case "$status" in
    "HTTP/1."[01]" 200"*) exit 0 ;;
    *) echo "${path} on port ${port}: ${status}"; exit 1 ;;
esac
