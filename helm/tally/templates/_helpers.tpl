{{/* Chart name, 63 characters at most. */}}
{{- define "tally.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Full name: release name, plus the chart name unless the release name already contains it. */}}
{{- define "tally.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "tally.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Labels of every resource. */}}
{{- define "tally.labels" -}}
helm.sh/chart: {{ include "tally.chart" . }}
{{ include "tally.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/part-of: tally
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{/* Labels that select every Tally pod of this release. */}}
{{- define "tally.selectorLabels" -}}
app.kubernetes.io/name: {{ include "tally.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/* Per component: (dict "root" $ "c" $component). */}}
{{- define "tally.componentName" -}}
{{- printf "%s-%s" (include "tally.fullname" .root) .c.name | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "tally.componentLabels" -}}
{{ include "tally.labels" .root }}
app.kubernetes.io/component: {{ .c.name }}
{{- end }}

{{- define "tally.componentSelectorLabels" -}}
{{ include "tally.selectorLabels" .root }}
app.kubernetes.io/component: {{ .c.name }}
{{- end }}

{{- define "tally.image" -}}
{{- $i := .root.Values.image }}
{{- $repo := printf "%s%s" $i.repositoryPrefix .c.name }}
{{- if $i.registry }}{{ $repo = printf "%s/%s" (trimSuffix "/" $i.registry) $repo }}{{ end }}
{{- printf "%s:%s" $repo (default .root.Chart.AppVersion $i.tag) }}
{{- end }}

{{- define "tally.serviceAccountName" -}}
{{- if .root.Values.serviceAccount.create }}{{ include "tally.componentName" . }}{{ else }}default{{ end }}
{{- end }}

{{/*
The components this release runs, as YAML {components: [...]}: the all-in-one, or the four services.
Each has name, grpcPort, httpPort, replicas, resources, autoscaling, and what it needs.
*/}}
{{- define "tally.components" -}}
components:
{{- if .Values.allInOne.enabled }}
  - name: allinone
    grpcPort: 7400
    httpPort: 7401
    replicas: 1
    resources: {{- toYaml .Values.allInOne.resources | nindent 6 }}
    autoscaling: {enabled: false}
    persistent: {{ .Values.allInOne.persistence.enabled }}
{{- else }}
{{- range $name := list "query" "ingestion" "definitions" "citations" }}
{{- $s := index $.Values.services $name }}
  - name: {{ $name }}
    grpcPort: {{ $s.grpcPort }}
    httpPort: {{ $s.httpPort }}
    replicas: {{ $s.replicas }}
    resources: {{- toYaml $s.resources | nindent 6 }}
    autoscaling: {{- toYaml $s.autoscaling | nindent 6 }}
    redis: {{ and (eq $name "query") $.Values.redis.enabled }}
{{- end }}
{{- end }}
{{- end }}

{{/* Fails rendering with a message a person can act on when a Secret reference the distributed mode needs is missing. */}}
{{- define "tally.requireSecrets" -}}
{{- if not .Values.allInOne.enabled }}
{{- $_ := required "auth.existingSecret is required: create a Secret holding the service token the pods share (key auth.serviceTokenKey, e.g. `openssl rand -hex 32`) and name it here, or set allInOne.enabled=true" .Values.auth.existingSecret }}
{{- $_ := required "auth.serviceTokenKey is required: the key of the service token in auth.existingSecret" .Values.auth.serviceTokenKey }}
{{- $_ := required "postgresql.existingSecret is required: create a Secret holding the Npgsql connection string (key postgresql.connectionStringKey) and name it here, or set allInOne.enabled=true" .Values.postgresql.existingSecret }}
{{- $_ := required "postgresql.connectionStringKey is required: the key of the connection string in postgresql.existingSecret" .Values.postgresql.connectionStringKey }}
{{- $_ := required "rabbitmq.existingSecret is required: create a Secret holding the AMQP URI (key rabbitmq.uriKey) and name it here, or set allInOne.enabled=true" .Values.rabbitmq.existingSecret }}
{{- $_ := required "rabbitmq.uriKey is required: the key of the AMQP URI in rabbitmq.existingSecret" .Values.rabbitmq.uriKey }}
{{- if .Values.redis.enabled }}
{{- $_ := required "redis.existingSecret is required when redis.enabled: create a Secret holding the StackExchange.Redis configuration string (key redis.configurationKey), or set redis.enabled=false" .Values.redis.existingSecret }}
{{- $_ := required "redis.configurationKey is required when redis.enabled: the key of the configuration string in redis.existingSecret" .Values.redis.configurationKey }}
{{- end }}
{{- end }}
{{- end }}

{{/* Fails rendering with a message a person can act on when the TLS values do not fit together. */}}
{{- define "tally.requireTls" -}}
{{- if .Values.tls.enabled }}
{{- $_ := required "tls.secretName is required when tls.enabled: create a Secret of type kubernetes.io/tls (tls.crt, tls.key) whose certificate names every Tally Service (see the chart README, \"TLS\"), e.g. with cert-manager, and name it here" .Values.tls.secretName }}
{{- if and (ne .Values.tls.clientCertificate "none") (not .Values.tls.caKey) }}
{{- fail (printf "tls.clientCertificate=%s needs tls.caKey: the key of the CA bundle client certificates must be issued by (in tls.caSecretName, default tls.secretName)" .Values.tls.clientCertificate) }}
{{- end }}
{{- else if ne .Values.tls.clientCertificate "none" }}
{{- fail (printf "tls.clientCertificate=%s needs tls.enabled=true (client certificates are a TLS feature)" .Values.tls.clientCertificate) }}
{{- end }}
{{- end }}

{{/* Scheme of gRPC addresses: https with tls.enabled. */}}
{{- define "tally.grpcScheme" -}}
{{- if .Values.tls.enabled }}https{{ else }}http{{ end }}
{{- end }}

{{/* Whether the Prometheus Operator API is served, or its use is forced: (dict "root" $ "force" bool). */}}
{{- define "tally.hasMonitoringApi" -}}
{{- if or .force (.root.Capabilities.APIVersions.Has "monitoring.coreos.com/v1") }}true{{ end }}
{{- end }}
