{{/*
The Deployment of one component (api, scheduler or worker). Called with (dict "root" $ "component" "worker").
The three differ only in their values, except for the worker's engine cache, GPU and autoscaling.
*/}}
{{- define "shardflow.deployment" -}}
{{- $root := .root }}
{{- $component := .component }}
{{- $values := index $root.Values $component }}
{{- $isWorker := eq $component "worker" }}
{{- $gpu := and $isWorker (include "shardflow.workerGpu" $root) }}
{{- $secretName := include "shardflow.secretName" $root }}
{{- $podSecurityContext := mergeOverwrite (deepCopy $root.Values.podSecurityContext) $values.podSecurityContext }}
{{- $securityContext := mergeOverwrite (deepCopy $root.Values.securityContext) $values.securityContext }}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ include "shardflow.componentName" . }}
  labels:
    {{- include "shardflow.componentLabels" . | nindent 4 }}
spec:
  {{- if not (and $isWorker $root.Values.worker.autoscaling.enabled) }}
  replicas: {{ $values.replicas }}
  {{- end }}
  selector:
    matchLabels:
      {{- include "shardflow.componentSelectorLabels" . | nindent 6 }}
  template:
    metadata:
      labels:
        {{- include "shardflow.componentSelectorLabels" . | nindent 8 }}
        {{- with $values.podLabels }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
      {{- $annotations := deepCopy (default (dict) $values.podAnnotations) }}
      {{- if not $root.Values.existingSecret }}
      {{- /* a change of the chart's Secret restarts the pods, which read it only when they start */}}
      {{- $_ := set $annotations "checksum/secret" (include (print $root.Template.BasePath "/secret.yaml") $root | sha256sum) }}
      {{- end }}
      {{- if $root.Values.metrics.podAnnotations }}
      {{- $_ := set $annotations "prometheus.io/scrape" "true" }}
      {{- $_ := set $annotations "prometheus.io/port" ($values.port | toString) }}
      {{- $_ := set $annotations "prometheus.io/path" "/actuator/prometheus" }}
      {{- end }}
      {{- with $annotations }}
      annotations:
        {{- toYaml . | nindent 8 }}
      {{- end }}
    spec:
      serviceAccountName: {{ include "shardflow.serviceAccountName" $root }}
      automountServiceAccountToken: {{ $root.Values.serviceAccount.automountToken }}
      # Service links would put variables such as SHARDFLOW_API_PORT into the environment, which Spring reads as
      # settings.
      enableServiceLinks: false
      {{- with $root.Values.imagePullSecrets }}
      imagePullSecrets:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      terminationGracePeriodSeconds: {{ $root.Values.terminationGracePeriodSeconds }}
      securityContext:
        {{- toYaml $podSecurityContext | nindent 8 }}
      containers:
        - name: {{ $component }}
          image: {{ include "shardflow.image" . | quote }}
          imagePullPolicy: {{ $values.image.pullPolicy }}
          ports:
            - name: http
              containerPort: {{ $values.port }}
              protocol: TCP
          env:
            - name: SERVER_PORT
              value: {{ $values.port | quote }}
            - name: JAVA_TOOL_OPTIONS
              value: {{ $values.javaToolOptions | quote }}
            - name: SPRING_DATASOURCE_URL
              value: {{ required "database.url is required" $root.Values.database.url | quote }}
            - name: SPRING_DATASOURCE_USERNAME
              valueFrom:
                secretKeyRef:
                  name: {{ $secretName }}
                  key: {{ $root.Values.secretKeys.databaseUsername }}
            - name: SPRING_DATASOURCE_PASSWORD
              valueFrom:
                secretKeyRef:
                  name: {{ $secretName }}
                  key: {{ $root.Values.secretKeys.databasePassword }}
            - name: SPRING_KAFKA_BOOTSTRAP_SERVERS
              value: {{ required "kafka.bootstrapServers is required" $root.Values.kafka.bootstrapServers | quote }}
            {{- if $root.Values.kafka.sasl.enabled }}
            - name: KAFKA_SASL_USERNAME
              valueFrom:
                secretKeyRef:
                  name: {{ $secretName }}
                  key: {{ $root.Values.secretKeys.kafkaUsername }}
            - name: KAFKA_SASL_PASSWORD
              valueFrom:
                secretKeyRef:
                  name: {{ $secretName }}
                  key: {{ $root.Values.secretKeys.kafkaPassword }}
            - name: SPRING_KAFKA_SECURITY_PROTOCOL
              value: {{ $root.Values.kafka.sasl.securityProtocol | quote }}
            - name: SPRING_KAFKA_PROPERTIES_SASL_MECHANISM
              value: {{ $root.Values.kafka.sasl.mechanism | quote }}
            # Kubernetes replaces $(KAFKA_SASL_...) with the two variables above
            - name: SPRING_KAFKA_PROPERTIES_SASL_JAAS_CONFIG
              value: {{ printf "%s required username=\"$(KAFKA_SASL_USERNAME)\" password=\"$(KAFKA_SASL_PASSWORD)\";" (include "shardflow.kafkaLoginModule" $root) | quote }}
            {{- end }}
            - name: SPRING_LIFECYCLE_TIMEOUT_PER_SHUTDOWN_PHASE
              value: {{ printf "%ds" (int $root.Values.shutdownPhaseSeconds) | quote }}
            - name: MANAGEMENT_ENDPOINT_HEALTH_PROBES_ENABLED
              value: "true"
            - name: SHARDFLOW_METRICS_SCRAPE_TOKEN
              valueFrom:
                secretKeyRef:
                  name: {{ $secretName }}
                  key: {{ $root.Values.secretKeys.metricsScrapeToken }}
                  optional: true
            {{- if eq $component "api" }}
            {{- include "shardflow.apiSecurityEnv" $root | nindent 12 }}
            {{- end }}
            {{- if $isWorker }}
            - name: ENGINE_CACHE_DIR
              value: {{ $values.engineCache.path | quote }}
            - name: DJL_CACHE_DIR
              value: {{ $values.engineCache.path | quote }}
            {{- if $gpu }}
            - name: SHARDFLOW_WORKER_DEVICE
              value: gpu
            {{- end }}
            {{- end }}
            {{- with $root.Values.extraEnv }}
            {{- toYaml . | nindent 12 }}
            {{- end }}
            {{- with $values.env }}
            {{- toYaml . | nindent 12 }}
            {{- end }}
          startupProbe:
            httpGet:
              path: /actuator/health/liveness
              port: http
            {{- toYaml $values.startupProbe | nindent 12 }}
          livenessProbe:
            httpGet:
              path: /actuator/health/liveness
              port: http
            {{- toYaml $values.livenessProbe | nindent 12 }}
          readinessProbe:
            httpGet:
              path: /actuator/health/readiness
              port: http
            {{- toYaml $values.readinessProbe | nindent 12 }}
          lifecycle:
            preStop:
              {{- if $root.Values.preStopSleepAction }}
              sleep:
                seconds: {{ $root.Values.preStopSleepSeconds }}
              {{- else }}
              exec:
                command: ["sleep", {{ $root.Values.preStopSleepSeconds | quote }}]
              {{- end }}
          resources:
            {{- $resources := deepCopy $values.resources }}
            {{- if $gpu }}
            {{- $limits := default (dict) $resources.limits }}
            {{- $_ := set $limits $root.Values.worker.gpu.resourceName (int $root.Values.worker.gpu.count) }}
            {{- $_ := set $resources "limits" $limits }}
            {{- end }}
            {{- toYaml $resources | nindent 12 }}
          securityContext:
            {{- toYaml $securityContext | nindent 12 }}
          volumeMounts:
            - name: tmp
              mountPath: /tmp
            {{- if $isWorker }}
            - name: engine-cache
              mountPath: {{ $values.engineCache.path }}
            {{- end }}
      volumes:
        # the JVM, Tomcat and JNA write here; the root filesystem is read-only
        - name: tmp
          emptyDir:
            sizeLimit: 1Gi
        {{- if $isWorker }}
        # DJL unpacks PyTorch's native library here on first start
        - name: engine-cache
          emptyDir:
            {{- with $values.engineCache.medium }}
            medium: {{ . }}
            {{- end }}
            sizeLimit: {{ $values.engineCache.sizeLimit }}
        {{- end }}
      {{- with $values.nodeSelector }}
      nodeSelector:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- $tolerations := $values.tolerations }}
      {{- if $gpu }}
      {{- $tolerations = concat $tolerations $root.Values.worker.gpu.tolerations }}
      {{- end }}
      {{- with $tolerations }}
      tolerations:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with $values.affinity }}
      affinity:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with $values.topologySpreadConstraints }}
      topologySpreadConstraints:
        {{- toYaml . | nindent 8 }}
      {{- end }}
{{- end }}
