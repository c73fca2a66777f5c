{{/*
The chart's name, or nameOverride.
*/}}
{{- define "shardflow.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
The prefix of every object's name: fullnameOverride, else the release name, followed by the chart's name unless
the release name already contains it. Kept to 50 characters so that "-scheduler" and friends still fit in 63.
*/}}
{{- define "shardflow.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 50 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 50 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 50 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/*
Chart name and version, for the helm.sh/chart label.
*/}}
{{- define "shardflow.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
The labels that select a release's pods: name and instance.
*/}}
{{- define "shardflow.selectorLabels" -}}
app.kubernetes.io/name: {{ include "shardflow.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/*
The standard labels of every object.
*/}}
{{- define "shardflow.labels" -}}
helm.sh/chart: {{ include "shardflow.chart" . }}
{{ include "shardflow.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: shardflow
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/*
Selector labels of one component's pods. Called with (dict "root" $ "component" "api").
*/}}
{{- define "shardflow.componentSelectorLabels" -}}
{{ include "shardflow.selectorLabels" .root }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{/*
Standard labels of one component's objects. Called with (dict "root" $ "component" "api").
*/}}
{{- define "shardflow.componentLabels" -}}
{{ include "shardflow.labels" .root }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{/*
Name of one component's objects, e.g. "release-shardflow-worker". Called with (dict "root" $ "component" "api").
*/}}
{{- define "shardflow.componentName" -}}
{{- printf "%s-%s" (include "shardflow.fullname" .root) .component }}
{{- end }}

{{/*
The Secret the credentials are read from: existingSecret, or the one the chart creates.
*/}}
{{- define "shardflow.secretName" -}}
{{- if .Values.existingSecret }}
{{- .Values.existingSecret }}
{{- else }}
{{- include "shardflow.fullname" . }}
{{- end }}
{{- end }}

{{/*
The pods' ServiceAccount.
*/}}
{{- define "shardflow.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "shardflow.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/*
Whether the workers run on GPUs: "true" or "".
*/}}
{{- define "shardflow.workerGpu" -}}
{{- if gt (int .Values.worker.gpu.count) 0 }}true{{ end }}
{{- end }}

{{/*
A component's image reference. Called with (dict "root" $ "component" "worker"); a GPU worker takes
worker.gpu.image.
*/}}
{{- define "shardflow.image" -}}
{{- $values := index .root.Values .component }}
{{- $repository := $values.image.repository }}
{{- $tag := default .root.Chart.AppVersion $values.image.tag }}
{{- if and (eq .component "worker") (include "shardflow.workerGpu" .root) }}
{{- $repository = .root.Values.worker.gpu.image.repository }}
{{- $tag = default $tag .root.Values.worker.gpu.image.tag }}
{{- end }}
{{- printf "%s:%s" $repository $tag }}
{{- end }}

{{/*
Where KEDA finds PostgreSQL, as YAML (host, port, dbName, sslmode): each from worker.autoscaling.keda.database where
set, else from database.url, the services' JDBC URL (its first host, when it lists several). A host without a dot
is a Service in the release's namespace, as the pods resolve it; KEDA runs in a namespace of its own, so it gets the
Service's namespaced name. No sslmode in the URL: pgjdbc's default, prefer (verify-full with ssl=true).
*/}}
{{- define "shardflow.kedaDatabase" -}}
{{- $override := .Values.worker.autoscaling.keda.database }}
{{- $url := .Values.database.url | default "" | toString }}
{{- $rest := trimPrefix "jdbc:postgresql://" $url }}
{{- $parsed := and (ne $rest $url) (ne $rest "") }}
{{- if and (not $parsed) (not (and $override.host $override.dbName)) }}
{{- fail (printf "database.url %q is no jdbc:postgresql://host[:port]/database URL: set worker.autoscaling.keda.database.host and .dbName for KEDA" $url) }}
{{- end }}
{{- $authority := "" }}
{{- $path := "" }}
{{- $query := "" }}
{{- if $parsed }}
{{- $authority = regexFind "^[^/?]*" $rest }}
{{- $tail := trimPrefix $authority $rest }}
{{- $path = regexFind "^/[^?]*" $tail | trimPrefix "/" }}
{{- $query = regexFind "[?].*$" $tail | trimPrefix "?" }}
{{- end }}
{{- $hostPort := first (splitList "," $authority) }}
{{- $port := regexFind ":[0-9]+$" $hostPort }}
{{- $host := trimSuffix $port $hostPort | trimPrefix "[" | trimSuffix "]" }}
{{- $port = trimPrefix ":" $port | default "5432" }}
{{- if and $host (not (contains "." $host)) (not (contains ":" $host)) }}
{{- $host = printf "%s.%s.svc" $host .Release.Namespace }}
{{- end }}
{{- $params := dict }}
{{- range splitList "&" $query }}
{{- $pair := splitn "=" 2 . }}
{{- $_ := set $params (lower $pair._0) ($pair._1 | default "") }}
{{- end }}
{{- $sslmode := get $params "sslmode" | default (ternary "verify-full" "prefer" (eq (get $params "ssl") "true")) }}
{{- $database := dict "host" ($override.host | default $host) "port" ($override.port | default $port | toString) "dbName" ($override.dbName | default $path) "sslmode" ($override.sslmode | default $sslmode) }}
{{- if not $database.host }}
{{- fail (printf "database.url %q names no host: set worker.autoscaling.keda.database.host for KEDA" $url) }}
{{- end }}
{{- if not $database.dbName }}
{{- fail (printf "database.url %q names no database: set worker.autoscaling.keda.database.dbName for KEDA" $url) }}
{{- end }}
{{- if not (has $database.sslmode (list "disable" "allow" "prefer" "require" "verify-ca" "verify-full")) }}
{{- fail (printf "sslmode %q (worker.autoscaling.keda.database.sslmode, else database.url's) must be disable, allow, prefer, require, verify-ca or verify-full" $database.sslmode) }}
{{- end }}
{{- toYaml $database }}
{{- end }}

{{/*
What KEDA counts: the shards that wait for a lane (PENDING) or hold one (DISPATCHED, RUNNING). A shard that joins
its worker's batch instead of taking a lane (takes_lane false: continuous generation) is left out. The status test
is an OR so that PostgreSQL can read the partial indexes on those statuses instead of every shard ever run.
*/}}
{{- define "shardflow.kedaQuery" -}}
select count(*) from shards where (status = 'PENDING' or status in ('DISPATCHED', 'RUNNING')) and takes_lane
{{- end }}

{{/*
The lanes of a worker, or "" where the chart cannot tell: SHARDFLOW_WORKER_LANES given as a value in worker.env or
extraEnv (worker.env wins), else what the JVM counts as its CPUs, which a lane is made for by default:
-XX:ActiveProcessorCount in worker.javaToolOptions, else the CPU limit rounded up.
*/}}
{{- define "shardflow.workerLanes" -}}
{{- $lanes := 0 }}
{{- range concat (.Values.extraEnv | default list) (.Values.worker.env | default list) }}
{{- if and (eq .name "SHARDFLOW_WORKER_LANES") (hasKey . "value") }}
{{- $lanes = int .value }}
{{- end }}
{{- end }}
{{- if le $lanes 0 }}
{{- $active := regexFind "-XX:ActiveProcessorCount=[0-9]+" (.Values.worker.javaToolOptions | default "") }}
{{- if $active }}
{{- $lanes = int (trimPrefix "-XX:ActiveProcessorCount=" $active) }}
{{- else }}
{{- $cpu := (.Values.worker.resources.limits | default dict).cpu | default "" | toString }}
{{- if hasSuffix "m" $cpu }}
{{- $lanes = int (ceil (divf (float64 (trimSuffix "m" $cpu)) 1000)) }}
{{- else if $cpu }}
{{- $lanes = int (ceil (float64 $cpu)) }}
{{- end }}
{{- end }}
{{- end }}
{{- if gt $lanes 0 }}{{ $lanes }}{{ end }}
{{- end }}

{{/*
Shards per worker KEDA aims for: worker.autoscaling.keda.shardsPerWorker, else the lanes of a worker.
*/}}
{{- define "shardflow.kedaShardsPerWorker" -}}
{{- $target := int .Values.worker.autoscaling.keda.shardsPerWorker }}
{{- if le $target 0 }}
{{- $target = include "shardflow.workerLanes" . }}
{{- if not $target }}
{{- fail "worker.autoscaling.keda.shardsPerWorker is 0 and the chart cannot tell a worker's lanes (no SHARDFLOW_WORKER_LANES value in worker.env, no CPU limit in worker.resources.limits): set shardsPerWorker" }}
{{- end }}
{{- end }}
{{- $target }}
{{- end }}

{{/*
The JAAS login module of a Kafka SASL mechanism.
*/}}
{{- define "shardflow.kafkaLoginModule" -}}
{{- if eq .Values.kafka.sasl.mechanism "PLAIN" -}}
org.apache.kafka.common.security.plain.PlainLoginModule
{{- else -}}
org.apache.kafka.common.security.scram.ScramLoginModule
{{- end }}
{{- end }}

{{/*
The API's security settings (the scheduler and the workers authenticate no callers). The bootstrap ADMIN key is
an optional reference: a Secret without it still starts the API. Only the URIs that are set are passed on, since
Spring reads an empty one as set.
*/}}
{{- define "shardflow.apiSecurityEnv" -}}
{{- $security := .Values.security -}}
- name: SHARDFLOW_SECURITY_ENABLED
  value: {{ $security.enabled | toString | quote }}
- name: SHARDFLOW_SECURITY_MODE
  value: {{ $security.mode | quote }}
- name: SHARDFLOW_SECURITY_BOOTSTRAP_ADMIN_KEY
  valueFrom:
    secretKeyRef:
      name: {{ include "shardflow.secretName" . }}
      key: {{ .Values.secretKeys.adminApiKey }}
      optional: true
{{- if eq $security.mode "oidc" }}
{{- with $security.oidc.issuerUri }}
- name: SPRING_SECURITY_OAUTH2_RESOURCESERVER_JWT_ISSUER_URI
  value: {{ . | quote }}
{{- end }}
{{- with $security.oidc.jwkSetUri }}
- name: SPRING_SECURITY_OAUTH2_RESOURCESERVER_JWT_JWK_SET_URI
  value: {{ . | quote }}
{{- end }}
- name: SHARDFLOW_SECURITY_OIDC_TENANT_CLAIM
  value: {{ required "security.oidc.tenantClaim is required in oidc mode" $security.oidc.tenantClaim | quote }}
- name: SHARDFLOW_SECURITY_OIDC_ROLES_CLAIM
  value: {{ required "security.oidc.rolesClaim is required in oidc mode" $security.oidc.rolesClaim | quote }}
- name: SHARDFLOW_SECURITY_OIDC_NAME_CLAIM
  value: {{ required "security.oidc.nameClaim is required in oidc mode" $security.oidc.nameClaim | quote }}
{{- end }}
{{- end }}

{{/*
Values that cannot work together stop the rendering with a message that says what to change.
*/}}
{{- define "shardflow.validate" -}}
{{- $grace := int .Values.terminationGracePeriodSeconds }}
{{- $needed := add (int .Values.preStopSleepSeconds) (int .Values.shutdownPhaseSeconds) }}
{{- if le $grace $needed }}
{{- fail (printf "terminationGracePeriodSeconds (%d) must exceed preStopSleepSeconds plus shutdownPhaseSeconds (%d): a pod would be killed before it has handed back its shards" $grace $needed) }}
{{- end }}
{{- if not (has .Values.worker.autoscaling.kind (list "keda" "hpa")) }}
{{- fail (printf "worker.autoscaling.kind must be keda or hpa, not %q" .Values.worker.autoscaling.kind) }}
{{- end }}
{{- if and .Values.kafka.sasl.enabled (not (has .Values.kafka.sasl.mechanism (list "PLAIN" "SCRAM-SHA-256" "SCRAM-SHA-512"))) }}
{{- fail (printf "kafka.sasl.mechanism must be PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512, not %q" .Values.kafka.sasl.mechanism) }}
{{- end }}
{{- if and .Values.kafka.sasl.enabled (not (has .Values.kafka.sasl.securityProtocol (list "SASL_SSL" "SASL_PLAINTEXT"))) }}
{{- fail (printf "kafka.sasl.securityProtocol must be SASL_SSL or SASL_PLAINTEXT, not %q" .Values.kafka.sasl.securityProtocol) }}
{{- end }}
{{- if and .Values.kafka.sasl.enabled (not .Values.existingSecret) (contains "\"" .Values.kafka.sasl.password) }}
{{- fail "kafka.sasl.password must not contain a double quote (it goes into a JAAS line)" }}
{{- end }}
{{- if lt (int .Values.worker.autoscaling.maxReplicas) (int .Values.worker.autoscaling.minReplicas) }}
{{- fail "worker.autoscaling.maxReplicas must not be below minReplicas" }}
{{- end }}
{{- if not (has .Values.security.mode (list "api-keys" "oidc")) }}
{{- fail (printf "security.mode must be api-keys or oidc, not %q" .Values.security.mode) }}
{{- end }}
{{- if and (eq .Values.security.mode "oidc") (not .Values.security.oidc.issuerUri) (not .Values.security.oidc.jwkSetUri) }}
{{- fail "security.mode oidc needs security.oidc.issuerUri or security.oidc.jwkSetUri: where the API finds the keys that sign the tokens" }}
{{- end }}
{{- $adminKey := .Values.security.bootstrapAdminKey | default "" | toString | trim }}
{{- if and $adminKey (not .Values.existingSecret) (lt (len $adminKey) 24) }}
{{- fail (printf "security.bootstrapAdminKey has %d characters; the API wants at least 24 of a random secret (openssl rand -base64 32 makes one)" (len $adminKey)) }}
{{- end }}
{{- end }}
