{{/*
Names and labels shared by every template of the rollwise chart.
*/}}

{{/* The chart name, or nameOverride. */}}
{{- define "rollwise.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* The resource name: fullnameOverride, else <release>-<name> (just <release> when it already contains the name). */}}
{{- define "rollwise.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := include "rollwise.name" . -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* The labels that select the API's pods; never change them after the first install. */}}
{{- define "rollwise.selectorLabels" -}}
app.kubernetes.io/name: {{ include "rollwise.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{/* The labels on every object. */}}
{{- define "rollwise.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "rollwise.selectorLabels" . }}
app.kubernetes.io/version: {{ .Values.image.tag | default .Chart.AppVersion | quote }}
app.kubernetes.io/component: api
app.kubernetes.io/part-of: rollwise
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{/* The ServiceAccount the pods run as. */}}
{{- define "rollwise.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "rollwise.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/* The Secret holding the API token: the existing one, or the one this chart creates. */}}
{{- define "rollwise.tokenSecretName" -}}
{{- if .Values.apiToken.existingSecret -}}
{{- .Values.apiToken.existingSecret -}}
{{- else -}}
{{- printf "%s-api-token" (include "rollwise.fullname" .) -}}
{{- end -}}
{{- end -}}

{{/* The PVC the evidence lives on when persistence is enabled. */}}
{{- define "rollwise.evidenceClaimName" -}}
{{- default (printf "%s-evidence" (include "rollwise.fullname" .)) .Values.evidence.persistence.existingClaim -}}
{{- end -}}

{{/* In-cluster base URL of the API. */}}
{{- define "rollwise.url" -}}
{{- printf "http://%s.%s.svc.cluster.local:%v" (include "rollwise.fullname" .) .Release.Namespace .Values.service.port -}}
{{- end -}}

{{/*
Values that cannot work together fail the render with a message saying what to change.
*/}}
{{- define "rollwise.validate" -}}
{{- if and .Values.evidence.persistence.enabled (or .Values.autoscaling.enabled (gt (int .Values.replicaCount) 1)) -}}
{{- fail "evidence.persistence.enabled keeps the evidence in one SQLite file, which one pod writes: set autoscaling.enabled=false and replicaCount=1 (or keep persistence off)" -}}
{{- end -}}
{{- if and .Values.autoscaling.enabled (gt (int .Values.autoscaling.minReplicas) (int .Values.autoscaling.maxReplicas)) -}}
{{- fail (printf "autoscaling.minReplicas (%v) is above autoscaling.maxReplicas (%v)" .Values.autoscaling.minReplicas .Values.autoscaling.maxReplicas) -}}
{{- end -}}
{{- if not .Values.apiToken.secretKey -}}
{{- fail "apiToken.secretKey must name the key of the token in its Secret (default: token)" -}}
{{- end -}}
{{- range $name, $_ := .Values.config.slos -}}
{{- if not (regexMatch "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$" $name) -}}
{{- fail (printf "config.slos: %q is not a valid SLO name (lowercase letters, digits and '-', as in a Kubernetes name)" $name) -}}
{{- end -}}
{{- end -}}
{{- end -}}
