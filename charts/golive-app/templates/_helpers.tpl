{{/*
Names. appName: shared by every release of the application (label `app`, the Service).
variant: the colour when set, else the track. base: appName-variant, this release's own objects.
*/}}
{{- define "golive-app.appName" -}}
{{- default .Release.Name .Values.appName | trunc 40 | trimSuffix "-" }}
{{- end }}

{{- define "golive-app.base" -}}
{{- printf "%s-%s" (include "golive-app.appName" .) (default .Values.track .Values.colour) | trunc 50 | trimSuffix "-" }}
{{- end }}

{{/* Labels golive finds the release by (instance, name, component) and its Service selects by (app, track, colour). */}}
{{- define "golive-app.selectorLabels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: api
app: {{ include "golive-app.appName" . }}
track: {{ .Values.track }}
{{- with .Values.colour }}
colour: {{ . }}
{{- end }}
{{- end }}

{{- define "golive-app.labels" -}}
{{ include "golive-app.selectorLabels" . }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
app.kubernetes.io/version: {{ .Values.image.tag | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: {{ include "golive-app.appName" . }}
{{- end }}

{{- define "golive-app.selectorMode" -}}
{{- if .Values.service.selector.mode }}{{ .Values.service.selector.mode }}
{{- else if eq .Values.strategy.type "blue-green" }}colour
{{- else }}app
{{- end }}
{{- end }}

{{- define "golive-app.serviceSelector" -}}
{{- $mode := include "golive-app.selectorMode" . -}}
app: {{ include "golive-app.appName" . }}
app.kubernetes.io/component: api
{{- if eq $mode "track" }}
track: {{ default .Values.track .Values.service.selector.track }}
{{- else if eq $mode "colour" }}
colour: {{ required "service.selector.colour (or colour) must be blue or green when the Service selects by colour" (default .Values.colour .Values.service.selector.colour) }}
{{- end }}
{{- end }}
