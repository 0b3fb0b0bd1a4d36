{{/* Chart name. */}}
{{- define "faramesh.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Full name: RELEASE-faramesh, or RELEASE when it already contains the chart name. */}}
{{- define "faramesh.fullname" -}}
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

{{- define "faramesh.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "faramesh.selectorLabels" -}}
app.kubernetes.io/name: {{ include "faramesh.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "faramesh.labels" -}}
helm.sh/chart: {{ include "faramesh.chart" . }}
{{ include "faramesh.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: faramesh
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{- define "faramesh.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "faramesh.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "faramesh.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}
{{- end }}

{{/* The Secret holding DSN, tokens and ledger key: existingSecret or the chart's. */}}
{{- define "faramesh.secretName" -}}
{{- default (include "faramesh.fullname" .) .Values.secrets.existingSecret }}
{{- end }}

{{/* Where the migration step reads the DSN: in hook mode the chart's Secret does not exist yet, so a hook Secret. */}}
{{- define "faramesh.migrationSecretName" -}}
{{- if and (eq .Values.migrations.mode "hook") (not .Values.secrets.existingSecret) }}
{{- printf "%s-migrate" (include "faramesh.fullname" .) }}
{{- else }}
{{- include "faramesh.secretName" . }}
{{- end }}
{{- end }}

{{- define "faramesh.policyConfigMapName" -}}
{{- default (printf "%s-policy" (include "faramesh.fullname" .)) .Values.policy.existingConfigMap }}
{{- end }}

{{- define "faramesh.policyContent" -}}
{{- default (.Files.Get "files/default-policy.yaml") .Values.policy.content }}
{{- end }}

{{/* Fails rendering on combinations the schema cannot express. */}}
{{- define "faramesh.validate" -}}
{{- if and (not .Values.secrets.existingSecret) (not .Values.secrets.postgresDSN) }}
{{- fail "secrets.postgresDSN is required (or set secrets.existingSecret to a Secret holding it)" }}
{{- end }}
{{- if ge (int .Values.server.shutdown.drainDelaySeconds) (int .Values.server.shutdown.graceSeconds) }}
{{- fail "server.shutdown.drainDelaySeconds must be shorter than server.shutdown.graceSeconds" }}
{{- end }}
{{- if and .Values.autoscaling.enabled (gt (int .Values.autoscaling.minReplicas) (int .Values.autoscaling.maxReplicas)) }}
{{- fail "autoscaling.minReplicas must not exceed autoscaling.maxReplicas" }}
{{- end }}
{{- if and .Values.policy.existingConfigMap .Values.policy.content }}
{{- fail "set either policy.content or policy.existingConfigMap, not both" }}
{{- end }}
{{- end }}

{{/* Database settings shared by the server and `faramesh migrate`. */}}
{{- define "faramesh.databaseEnv" -}}
- name: FARAMESH_DB_BACKEND
  value: postgres
- name: FARAMESH_POSTGRES_DSN
  valueFrom:
    secretKeyRef:
      name: {{ .secretName }}
      key: {{ .root.Values.secrets.keys.postgresDSN }}
- name: FARAMESH_LOG_LEVEL
  value: {{ .root.Values.server.logLevel | quote }}
{{- end }}

{{/* The `faramesh migrate` container (migration Job and initContainer mode). */}}
{{- define "faramesh.migrateContainer" -}}
- name: migrate
  image: {{ include "faramesh.image" .root }}
  imagePullPolicy: {{ .root.Values.image.pullPolicy }}
  command: ["faramesh"]
  args: ["migrate"]
  env:
    {{- include "faramesh.databaseEnv" . | nindent 4 }}
  securityContext:
    {{- toYaml .root.Values.securityContext | nindent 4 }}
  resources:
    {{- toYaml .root.Values.migrations.resources | nindent 4 }}
  volumeMounts:
    - name: tmp
      mountPath: /tmp
{{- end }}

{{/* Checkov findings that do not apply, each with its reason (read by checkov from the annotations). */}}
{{- define "faramesh.checkovImageSkips" -}}
checkov.io/skip1: CKV_K8S_43=The tag is the default for readability; set image.digest to pin by digest.
checkov.io/skip2: CKV_K8S_15=IfNotPresent is right for immutable release tags; image.pullPolicy can be Always.
{{- end }}

{{- define "faramesh.checkovPodSkips" -}}
{{ include "faramesh.checkovImageSkips" . }}
checkov.io/skip3: CKV_K8S_35=Secrets are env vars because faramesh reads FARAMESH_* settings from the environment; the values never appear in the pod spec.
{{- end }}
