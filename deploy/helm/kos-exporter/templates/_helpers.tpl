{{/* Base name of every object; the Service, and so the ServiceMonitor's job, gets it. */}}
{{- define "kos-exporter.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{/* The job Prometheus scrapes the exporter under: the rules select it. */}}
{{- define "kos-exporter.jobName" -}}
{{- .Values.prometheusRule.jobName | default (include "kos-exporter.fullname" .) -}}
{{- end -}}

{{/* Selector labels of one component (exporter or report); call with (list $ "exporter"). */}}
{{- define "kos-exporter.selectorLabels" -}}
{{- $ := index . 0 -}}
app.kubernetes.io/name: {{ $.Chart.Name }}
app.kubernetes.io/instance: {{ $.Release.Name }}
app.kubernetes.io/component: {{ index . 1 }}
{{- end -}}

{{/* Labels of one component's objects and pods; call with (list $ "exporter"). */}}
{{- define "kos-exporter.componentLabels" -}}
{{ include "kos-exporter.labels" (index . 0) }}
app.kubernetes.io/component: {{ index . 1 }}
{{- end -}}

{{/* Labels of every object. */}}
{{- define "kos-exporter.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{- define "kos-exporter.image" -}}
{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}
{{- end -}}

{{/* Pod and container security of both components: the image's user 65534, nothing writable but what a volume provides. */}}
{{- define "kos-exporter.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: 65534
runAsGroup: 65534
# Secret and ConfigMap files get this group, so defaultMode 0440 lets the user read them.
fsGroup: 65534
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{- define "kos-exporter.containerSecurityContext" -}}
runAsNonRoot: true
readOnlyRootFilesystem: true
allowPrivilegeEscalation: false
capabilities:
  drop: [ALL]
{{- end -}}

{{/* The DSN Secret's name and key, the chart's or the user's. */}}
{{- define "kos-exporter.dsnSecret" -}}
{{- if and .Values.dsn .Values.existingSecret -}}
{{- fail "set either dsn or existingSecret, not both" -}}
{{- end -}}
{{- if .Values.existingSecret -}}
{{- .Values.existingSecret -}}
{{- else if .Values.dsn -}}
{{- include "kos-exporter.fullname" . -}}
{{- else -}}
{{- fail "the exporter needs the KOS database's DSN: set dsn (the chart keeps it in a Secret) or existingSecret (a Secret you manage, key existingSecretKey)" -}}
{{- end -}}
{{- end -}}

{{- define "kos-exporter.dsnSecretKey" -}}
{{- if .Values.existingSecret }}{{ .Values.existingSecretKey }}{{ else }}dsn{{ end -}}
{{- end -}}

{{/* The collectors.yaml the exporter loads. */}}
{{- define "kos-exporter.collectors" -}}
{{- .Values.collectors | default (.Files.Get (printf "files/%s" .Values.collectorsFile)) -}}
{{- end -}}

{{/* The report webhook Secret's name and key. */}}
{{- define "kos-exporter.reportSecret" -}}
{{- if and .Values.report.webhookURL .Values.report.existingSecret -}}
{{- fail "set either report.webhookURL or report.existingSecret, not both" -}}
{{- end -}}
{{- if .Values.report.existingSecret -}}
{{- .Values.report.existingSecret -}}
{{- else if .Values.report.webhookURL -}}
{{- include "kos-exporter.fullname" . }}-report
{{- else -}}
{{- fail "report.enabled needs the webhook URL: set report.webhookURL (the chart keeps it in a Secret) or report.existingSecret" -}}
{{- end -}}
{{- end -}}

{{- define "kos-exporter.reportSecretKey" -}}
{{- if .Values.report.existingSecret }}{{ .Values.report.existingSecretKey }}{{ else }}webhook-url{{ end -}}
{{- end -}}
