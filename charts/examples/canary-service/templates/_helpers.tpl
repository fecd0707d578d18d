{{/*
Names, labels, checks and the pod template shared by the canary and bluegreen variants.
*/}}

{{/* The chart name, or nameOverride. */}}
{{- define "canary-service.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* The resource name: fullnameOverride, else <release>-<name> (just <release> when it already contains the name). Kept to 50 characters so "-preview"/"-rollwise" suffixes fit. */}}
{{- define "canary-service.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 50 | trimSuffix "-" -}}
{{- else -}}
{{- $name := include "canary-service.name" . -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 50 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 50 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* The labels that select the service's pods (both tracks; both colours). */}}
{{- define "canary-service.selectorLabels" -}}
app.kubernetes.io/name: {{ include "canary-service.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{/* The labels on every object. */}}
{{- define "canary-service.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "canary-service.selectorLabels" . }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{/* The service's name in the analysis: the `job` label and the `service` Rollwise judges. */}}
{{- define "canary-service.analysisName" -}}
{{- default (include "canary-service.fullname" .) .Values.analysis.serviceName -}}
{{- end -}}

{{/* The other colour. */}}
{{- define "canary-service.idleColor" -}}
{{- ternary "green" "blue" (eq .Values.activeColor "blue") -}}
{{- end -}}

{{/*
A pod template. Takes a dict: ctx (the root context), tag (the image tag), labels (extra pod labels).
*/}}
{{- define "canary-service.podTemplate" -}}
{{- $ := .ctx -}}
metadata:
  labels:
    {{- include "canary-service.selectorLabels" $ | nindent 4 }}
    {{- with .labels }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
spec:
  automountServiceAccountToken: false
  {{- with $.Values.imagePullSecrets }}
  imagePullSecrets:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  securityContext:
    {{- toYaml $.Values.podSecurityContext | nindent 4 }}
  containers:
    - name: app
      image: "{{ $.Values.image.repository }}:{{ .tag }}"
      imagePullPolicy: {{ $.Values.image.pullPolicy }}
      ports:
        - name: http
          containerPort: {{ $.Values.containerPort }}
          protocol: TCP
      readinessProbe:
        httpGet:
          path: {{ $.Values.probes.readinessPath }}
          port: http
        periodSeconds: 5
      livenessProbe:
        httpGet:
          path: {{ $.Values.probes.livenessPath }}
          port: http
        periodSeconds: 10
      resources:
        {{- toYaml $.Values.resources | nindent 8 }}
      securityContext:
        {{- toYaml $.Values.securityContext | nindent 8 }}
  {{- with $.Values.nodeSelector }}
  nodeSelector:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with $.Values.tolerations }}
  tolerations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with $.Values.affinity }}
  affinity:
    {{- toYaml . | nindent 4 }}
  {{- end }}
{{- end -}}

{{/* An Argo pause step: a duration, or "" for a pause until promoted. Takes the duration. */}}
{{- define "canary-service.pause" -}}
{{- if . -}}
pause: {duration: {{ . | toString | quote }}}
{{- else -}}
pause: {}
{{- end -}}
{{- end -}}

{{/*
Values that cannot work fail the render with a message saying what to change.
*/}}
{{- define "canary-service.validate" -}}
{{- if not (has .Values.strategy (list "canary" "bluegreen")) -}}
{{- fail (printf "strategy must be \"canary\" or \"bluegreen\", not %q" (toString .Values.strategy)) -}}
{{- end -}}
{{- if eq .Values.strategy "canary" -}}
{{- range $step, $duration := .Values.canary.pauses -}}
{{- if not (regexMatch "^([0-9]+|([0-9]+(s|m|h))+)?$" (toString $duration)) -}}
{{- fail (printf "canary.pauses.%s must be an Argo duration like \"90s\", \"2m\" or \"1h\" (or \"\" to wait for a promote), not %q" $step (toString $duration)) -}}
{{- end -}}
{{- end -}}
{{- range $key := list "interval" -}}
{{- if not (regexMatch "^([0-9]+(s|m|h))+$" (toString (index $.Values.analysis $key))) -}}
{{- fail (printf "analysis.%s must be an Argo duration like \"30s\" or \"1m\", not %q" $key (toString (index $.Values.analysis $key))) -}}
{{- end -}}
{{- end -}}
{{- range $key, $least := dict "count" 1 "failureLimit" 0 "inconclusiveLimit" 0 -}}
{{- $v := index $.Values.analysis $key -}}
{{- $number := or (kindIs "int" $v) (kindIs "int64" $v) (kindIs "float64" $v) -}}
{{- if or (not $number) (ne (float64 $v) (float64 (int64 $v))) (lt (int64 $v) (int64 $least)) -}}
{{- fail (printf "analysis.%s must be a whole number ≥ %v, not %v" $key $least $v) -}}
{{- end -}}
{{- end -}}
{{- if not .Values.rollwise.url -}}
{{- fail "rollwise.url must be the Rollwise API's base URL, e.g. http://rollwise.rollwise.svc.cluster.local:8080" -}}
{{- end -}}
{{- if not .Values.rollwise.slo -}}
{{- fail "rollwise.slo must name an SLO the Rollwise server knows (rollwise chart: config.slos)" -}}
{{- end -}}
{{- if and (eq .Values.trafficRouting.provider "nginx") (not .Values.trafficRouting.nginx.host) -}}
{{- fail "trafficRouting.provider nginx: set trafficRouting.nginx.host, the host users reach the service by (the Ingress Argo splits)" -}}
{{- end -}}
{{- if not .Values.prometheus.address -}}
{{- fail "prometheus.address must be the Prometheus server Argo Rollouts queries" -}}
{{- end -}}
{{- else -}}
{{- if not (has .Values.activeColor (list "blue" "green")) -}}
{{- fail (printf "activeColor must be \"blue\" or \"green\", not %q" (toString .Values.activeColor)) -}}
{{- end -}}
{{- end -}}
{{- end -}}
