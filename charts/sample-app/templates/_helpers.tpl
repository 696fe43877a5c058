{{/*
Naming.
  name      chart name (app.kubernetes.io/name)
  fullname  release-derived name
  appName   name shared by all releases of the application (label `app`, Service, Ingress, Redis,
            PostgreSQL)
  variant   colour when set, else track: distinguishes releases of the same application
  base      appName-variant: prefix of this release's own objects (Deployments, Job, ConfigMap,
            Secret, ServiceAccount), so two tracks or colours coexist in one namespace
*/}}
{{- define "sample-app.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "sample-app.fullname" -}}
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

{{- define "sample-app.appName" -}}
{{- default (include "sample-app.fullname" .) .Values.appName | trunc 40 | trimSuffix "-" }}
{{- end }}

{{- define "sample-app.variant" -}}
{{- default .Values.track .Values.colour }}
{{- end }}

{{- define "sample-app.base" -}}
{{- printf "%s-%s" (include "sample-app.appName" .) (include "sample-app.variant" .) | trunc 50 | trimSuffix "-" }}
{{- end }}

{{- define "sample-app.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Labels common to every object, without `app`. */}}
{{- define "sample-app.baseLabels" -}}
helm.sh/chart: {{ include "sample-app.chart" . }}
app.kubernetes.io/name: {{ include "sample-app.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Values.image.tag | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: {{ include "sample-app.appName" . }}
{{- end }}

{{/* Labels of every object. */}}
{{- define "sample-app.labels" -}}
{{ include "sample-app.baseLabels" . }}
app: {{ include "sample-app.appName" . }}
{{- end }}

{{/* Labels of this release's workload pods: app, track and (blue/green) colour. */}}
{{- define "sample-app.trackLabels" -}}
app: {{ include "sample-app.appName" . }}
track: {{ .Values.track }}
{{- with .Values.colour }}
colour: {{ . }}
{{- end }}
{{- end }}

{{/*
Selector labels of one component of this release (immutable Deployment selector).
Call with (dict "ctx" $ "component" "api").
*/}}
{{- define "sample-app.selectorLabels" -}}
app.kubernetes.io/name: {{ include "sample-app.name" .ctx }}
app.kubernetes.io/instance: {{ .ctx.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{ include "sample-app.trackLabels" .ctx }}
{{- end }}

{{/* All labels of one component's pods. Call with (dict "ctx" $ "component" "api"). */}}
{{- define "sample-app.podLabels" -}}
{{ include "sample-app.baseLabels" .ctx }}
app.kubernetes.io/component: {{ .component }}
{{ include "sample-app.trackLabels" .ctx }}
{{- end }}

{{/* Effective Service selector mode: explicit, else colour for blue-green, else app. */}}
{{- define "sample-app.serviceSelectorMode" -}}
{{- if .Values.service.selector.mode }}
{{- .Values.service.selector.mode }}
{{- else if eq .Values.strategy.type "blue-green" }}
{{- "colour" }}
{{- else }}
{{- "app" }}
{{- end }}
{{- end }}

{{/* The API Service selector, following service.selector. */}}
{{- define "sample-app.serviceSelector" -}}
{{- $mode := include "sample-app.serviceSelectorMode" . -}}
app: {{ include "sample-app.appName" . }}
app.kubernetes.io/component: api
{{- if eq $mode "track" }}
track: {{ default .Values.track .Values.service.selector.track }}
{{- else if eq $mode "colour" }}
colour: {{ required "service.selector.colour (or colour) must be blue or green when the Service selects by colour" (default .Values.colour .Values.service.selector.colour) }}
{{- end }}
{{- end }}

{{- define "sample-app.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "sample-app.base" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/*
The Secret is named after the application, not the release variant: a canary or second-colour
release passes secrets.existingSecret=<appName>-secrets and shares the first release's Secret.
*/}}
{{- define "sample-app.secretName" -}}
{{- default (printf "%s-secrets" (include "sample-app.appName" .)) .Values.secrets.existingSecret }}
{{- end }}

{{- define "sample-app.configName" -}}
{{- printf "%s-config" (include "sample-app.base" .) }}
{{- end }}

{{- define "sample-app.image" -}}
{{- printf "%s:%s" .Values.image.repository (required "image.tag is required" .Values.image.tag) }}
{{- end }}

{{/* Kubernetes Deployment strategy derived from strategy.type. */}}
{{- define "sample-app.deploymentStrategy" -}}
{{- if eq .Values.strategy.type "recreate" }}
type: Recreate
{{- else }}
type: RollingUpdate
rollingUpdate:
  maxSurge: {{ .Values.strategy.rollingUpdate.maxSurge }}
  maxUnavailable: {{ .Values.strategy.rollingUpdate.maxUnavailable }}
{{- end }}
{{- end }}

{{/* Volumes every app container needs with a read-only root filesystem. */}}
{{- define "sample-app.tmpVolume" -}}
- name: tmp
  emptyDir:
    sizeLimit: 64Mi
{{- end }}

{{/* Environment shared by the app's containers: pod IP, HOST, PORT, version, backing services. */}}
{{- define "sample-app.env" -}}
- name: POD_IP
  valueFrom:
    fieldRef:
      fieldPath: status.podIP
- name: HOST
  value: "$(POD_IP)"
- name: PORT
  value: {{ .Values.api.port | quote }}
- name: APP_VERSION
  value: {{ .Values.image.tag | quote }}
- name: PYTHONDONTWRITEBYTECODE
  value: "1"
{{- if .Values.redis.enabled }}
- name: REDIS_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ include "sample-app.secretName" . }}
      key: REDIS_PASSWORD
- name: REDIS_URL
  value: "redis://:$(REDIS_PASSWORD)@{{ include "sample-app.appName" . }}-redis:6379/0"
{{- end }}
{{- if .Values.postgres.enabled }}
- name: POSTGRES_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ include "sample-app.secretName" . }}
      key: POSTGRES_PASSWORD
- name: DATABASE_URL
  value: "postgresql://{{ .Values.postgres.user }}:$(POSTGRES_PASSWORD)@{{ include "sample-app.appName" . }}-postgres:5432/{{ .Values.postgres.database }}"
{{- end }}
{{- end }}

{{/* envFrom: the ConfigMap and the Secret. */}}
{{- define "sample-app.envFrom" -}}
- configMapRef:
    name: {{ include "sample-app.configName" . }}
- secretRef:
    name: {{ include "sample-app.secretName" . }}
{{- end }}

{{/* Checksums that roll the pods when the configuration changes. */}}
{{- define "sample-app.configChecksum" -}}
checksum/config: {{ include (print $.Template.BasePath "/configmap.yaml") . | sha256sum }}
{{- end }}
