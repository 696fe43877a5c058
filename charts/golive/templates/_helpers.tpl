{{- define "golive.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "golive.labels" -}}
helm.sh/chart: {{ include "golive.chart" . }}
app.kubernetes.io/name: golive
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: golive
{{- end }}

{{/* Resolve a namespace reference: "system", "workload" or a literal name. */}}
{{- define "golive.namespace" -}}
{{- if eq .ref "system" }}{{ .ctx.Values.namespaces.system }}
{{- else if eq .ref "workload" }}{{ .ctx.Values.namespaces.workload }}
{{- else }}{{ .ref }}
{{- end }}
{{- end }}

{{/* A RoleBinding subject for "agent" or "airflowWorker". */}}
{{- define "golive.subject" -}}
{{- $sa := get .ctx.Values.serviceAccounts .ref -}}
- kind: ServiceAccount
  name: {{ $sa.name }}
  namespace: {{ .ctx.Values.namespaces.system }}
{{- end }}

{{/* NetworkPolicy egress rule to the cluster DNS. */}}
{{- define "golive.dnsEgress" -}}
- to:
    - namespaceSelector:
        matchLabels:
          kubernetes.io/metadata.name: {{ .Values.networkPolicy.dns.namespace }}
      podSelector:
        matchLabels:
          {{- toYaml .Values.networkPolicy.dns.podLabels | nindent 10 }}
  ports:
    - protocol: UDP
      port: {{ .Values.networkPolicy.dns.port }}
    - protocol: TCP
      port: {{ .Values.networkPolicy.dns.port }}
{{- end }}
