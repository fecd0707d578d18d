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

{{/* The Secret holding both tokens (keys "api-token" and "hook-token"): the existing one, or the one this chart creates. */}}
{{- define "rollwise.authSecretName" -}}
{{- if .Values.auth.existingSecret -}}
{{- .Values.auth.existingSecret -}}
{{- else -}}
{{- printf "%s-tokens" (include "rollwise.fullname" .) -}}
{{- end -}}
{{- end -}}

{{/* Whether the Deployment can run more than one pod: only then can a disruption budget let a drain through and still keep one serving. */}}
{{- define "rollwise.multiplePods" -}}
{{- if .Values.autoscaling.enabled -}}
{{- if gt (int .Values.autoscaling.minReplicas) 1 }}true{{ end -}}
{{- else -}}
{{- if gt (int .Values.replicaCount) 1 }}true{{ end -}}
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
{{- $postgres := eq .Values.evidence.store "postgres" -}}
{{- if and $postgres (not .Values.evidence.postgres.existingSecret) -}}
{{- fail "evidence.store=postgres: name the Secret that holds the database URL (postgres://user:password@host:5432/dbname) in evidence.postgres.existingSecret (its key: evidence.postgres.urlKey, default url)" -}}
{{- end -}}
{{- if and $postgres .Values.evidence.persistence.enabled -}}
{{- fail "evidence.persistence is the SQLite file's volume; with evidence.store=postgres the database keeps the evidence: set evidence.persistence.enabled=false" -}}
{{- end -}}
{{- if and .Values.evidence.persistence.enabled (or .Values.autoscaling.enabled (gt (int .Values.replicaCount) 1)) -}}
{{- fail "evidence.persistence.enabled keeps the evidence in one SQLite file, which one pod writes: set autoscaling.enabled=false and replicaCount=1 (or keep persistence off), or use evidence.store=postgres for more pods" -}}
{{- end -}}
{{- if and .Values.autoscaling.enabled (gt (int .Values.autoscaling.minReplicas) (int .Values.autoscaling.maxReplicas)) -}}
{{- fail (printf "autoscaling.minReplicas (%v) is above autoscaling.maxReplicas (%v)" .Values.autoscaling.minReplicas .Values.autoscaling.maxReplicas) -}}
{{- end -}}
{{- if and .Values.networkPolicy.enabled (not .Values.networkPolicy.allowedNamespaces) (not .Values.networkPolicy.allowSameNamespace) (not .Values.networkPolicy.extraFrom) -}}
{{- fail "networkPolicy.enabled: list the namespaces that call Rollwise in networkPolicy.allowedNamespaces (the Argo Rollouts or Flagger controller, Prometheus, Kayenta, CI); with none the policy would refuse every caller" -}}
{{- end -}}
{{- range .Values.config.drive -}}
{{- if not (has . (list "simulated" "k8s")) -}}
{{- fail (printf "config.drive: %q is not a target the server drives (simulated, k8s)" .) -}}
{{- end -}}
{{- end -}}
{{- if and .Values.config.drive (not $postgres) (not .Values.evidence.persistence.enabled) -}}
{{- fail "config.drive: a driven rollout is recorded in the evidence store and resumed from it, which must outlive the pod: set evidence.persistence.enabled=true (with one pod), or evidence.store=postgres (any number of pods)" -}}
{{- end -}}
{{- if and (has "k8s" .Values.config.drive) (not .Values.config.prometheusUrl) -}}
{{- fail "config.drive: k8s rollouts are measured through Prometheus: set config.prometheusUrl" -}}
{{- end -}}
{{- if or (lt (int .Values.config.analysisWorkers) 0) (gt (int .Values.config.analysisWorkers) 64) -}}
{{- fail (printf "config.analysisWorkers (%v) must be from 0 to 64" .Values.config.analysisWorkers) -}}
{{- end -}}
{{- range $name, $_ := .Values.config.slos -}}
{{- if not (regexMatch "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$" $name) -}}
{{- fail (printf "config.slos: %q is not a valid SLO name (lowercase letters, digits and '-', as in a Kubernetes name)" $name) -}}
{{- end -}}
{{- end -}}
{{- end -}}
