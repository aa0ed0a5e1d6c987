{{- define "tkeops.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "tkeops.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "tkeops.selectorLabels" -}}
app.kubernetes.io/name: {{ include "tkeops.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "tkeops.labels" -}}
{{ include "tkeops.selectorLabels" . }}
app.kubernetes.io/version: {{ .Values.image.tag | default .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{- end -}}

{{- define "tkeops.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "tkeops.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- /*
The Secret with the cloud key pair; empty when config.cloud.credentials says
where credentials come from instead (pod identity, the CVM role, ...).
*/ -}}
{{- define "tkeops.cloudSecret" -}}
{{- $credentials := hasKey (dig "cloud" dict (.Values.config | default dict)) "credentials" -}}
{{- if and $credentials (or .Values.existingSecrets.cloud .Values.secrets.create) -}}
{{- fail "config.cloud.credentials and a cloud key pair (existingSecrets.cloud or secrets.create) both given: keep one" -}}
{{- else if .Values.existingSecrets.cloud -}}
{{- .Values.existingSecrets.cloud -}}
{{- else if .Values.secrets.create -}}
{{- printf "%s-cloud" (include "tkeops.fullname" .) -}}
{{- else if not $credentials -}}
{{- fail "set existingSecrets.cloud to the Secret holding TENCENTCLOUD_SECRET_ID and TENCENTCLOUD_SECRET_KEY, or secrets.create=true with secrets.cloud.*, or config.cloud.credentials (e.g. {source: pod-identity} with serviceAccount.annotations)" -}}
{{- end -}}
{{- end -}}

{{- define "tkeops.forgeSecret" -}}
{{- if .Values.existingSecrets.forge -}}
{{- .Values.existingSecrets.forge -}}
{{- else if .Values.secrets.create -}}
{{- printf "%s-forge" (include "tkeops.fullname" .) -}}
{{- end -}}
{{- end -}}

{{- define "tkeops.args" -}}
- --config=/etc/tkeops/config/tkeops.yaml
{{- if .Values.leaderElection.enabled }}
- --leader-elect
{{- end }}
{{- end -}}
