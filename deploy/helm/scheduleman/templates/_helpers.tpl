{{- define "scheduleman.fullname" -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "scheduleman.labels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- define "scheduleman.image" -}}
{{- printf "%s/%s:%s" .root.Values.image.repository .component (default .root.Chart.AppVersion .root.Values.image.tag) -}}
{{- end -}}

{{- define "scheduleman.databaseSecret" -}}
{{- default (printf "%s-database" (include "scheduleman.fullname" .)) .Values.database.existingSecret -}}
{{- end -}}

{{- define "scheduleman.databaseEnv" -}}
- name: ConnectionStrings__Scheduler
  valueFrom:
    secretKeyRef:
      name: {{ include "scheduleman.databaseSecret" . }}
      key: connection-string
{{- end -}}

{{- define "scheduleman.securitySecret" -}}
{{- default (printf "%s-security" (include "scheduleman.fullname" .)) .Values.security.existingSecret -}}
{{- end -}}

{{/* The key of stored secrets: the API and executors encrypt and decrypt with it, the migrate job re-encrypts older rows. */}}
{{- define "scheduleman.secretsKeyEnv" -}}
- name: Secrets__Key
  valueFrom:
    secretKeyRef:
      name: {{ include "scheduleman.securitySecret" . }}
      key: secrets-key
{{- end -}}

{{/* What the API and executors share: the key of stored secrets, and the egress allow-list. */}}
{{- define "scheduleman.securityEnv" -}}
{{ include "scheduleman.secretsKeyEnv" . }}
{{- range $i, $entry := .Values.security.egressAllow }}
- name: Egress__Allow__{{ $i }}
  value: {{ $entry | quote }}
{{- end }}
{{- end -}}
