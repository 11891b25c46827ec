#!/usr/bin/env bash
# Validates the manifests of this folder against the Kubernetes API
# schemas with kubeconform (installed with go install when missing).
# kubeconform downloads the schemas (github.com/yannh/kubernetes-json-schema)
# unless KUBECONFORM_SCHEMAS names a local copy, e.g.
#   KUBECONFORM_SCHEMAS='/path/{{ .NormalizedKubernetesVersion }}-standalone{{ .StrictSuffix }}/{{ .ResourceKind }}{{ .KindSuffix }}.json'
# When the schemas cannot be fetched (offline), it falls back to ./check,
# which decodes every document strictly into the k8s.io/api Go types
# (modules from the Go module proxy), and says so.
# Exit codes: 0 valid, 1 invalid.
set -euo pipefail
cd "$(dirname "$0")"

KUBECONFORM_VERSION=${KUBECONFORM_VERSION:-v0.8.0}
KUBERNETES_VERSION=${KUBERNETES_VERSION:-1.33.0}

bin=$(command -v kubeconform || true)
if [ -z "$bin" ]; then
  gobin=$(go env GOBIN)
  [ -n "$gobin" ] || gobin="$(go env GOPATH)/bin"
  if [ ! -x "$gobin/kubeconform" ]; then
    go install "github.com/yannh/kubeconform/cmd/kubeconform@${KUBECONFORM_VERSION}"
  fi
  bin="$gobin/kubeconform"
fi

args=(-strict -summary -kubernetes-version "$KUBERNETES_VERSION")
if [ -n "${KUBECONFORM_SCHEMAS:-}" ]; then
  args+=(-schema-location "$KUBECONFORM_SCHEMAS")
fi

set +e
out=$("$bin" "${args[@]}" stampede-segments.yaml merge-job.yaml 2>&1)
code=$?
set -e
echo "$out"
if [ "$code" -ne 0 ] && grep -q "failed downloading schema" <<<"$out" && ! grep -q "is invalid:" <<<"$out"; then
  echo "validate.sh: kubeconform could not fetch its schemas (offline?): checking with the k8s.io/api types instead" >&2
  (cd check && go run . ../stampede-segments.yaml ../merge-job.yaml)
  exit $?
fi
exit "$code"
