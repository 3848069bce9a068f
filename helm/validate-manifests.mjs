// Validates rendered Kubernetes manifests (a multi-document YAML on stdin) against the Kubernetes OpenAPI
// schemas that the npm package kubernetes-models carries. It catches wrong types, missing required fields and
// bad enum values in every built-in kind; it does not catch misspelt field names (the schemas allow unknown
// fields) and it skips custom resources (ServiceMonitor), whose schemas it does not have.
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
const modules = process.env.KUBERNETES_MODELS_DIR;
const require = createRequire(modules + "/");
const yaml = require("js-yaml");

const kinds = {
  "v1/Service": "v1/Service",
  "v1/ServiceAccount": "v1/ServiceAccount",
  "v1/ConfigMap": "v1/ConfigMap",
  "v1/Secret": "v1/Secret",
  "v1/PersistentVolumeClaim": "v1/PersistentVolumeClaim",
  "apps/v1/Deployment": "apps/v1/Deployment",
  "autoscaling/v2/HorizontalPodAutoscaler": "autoscaling/v2/HorizontalPodAutoscaler",
  "policy/v1/PodDisruptionBudget": "policy/v1/PodDisruptionBudget",
};
const skipped = new Set(["monitoring.coreos.com/v1/ServiceMonitor"]);

let checked = 0, failures = 0;
for (const doc of yaml.loadAll(readFileSync(0, "utf8"))) {
  if (!doc) continue;
  const key = `${doc.apiVersion}/${doc.kind}`;
  if (skipped.has(key)) { console.log(`skipped ${key} ${doc.metadata.name} (no schema)`); continue; }
  const module = kinds[key];
  if (!module) { console.error(`no schema mapped for ${key}`); failures++; continue; }
  const loaded = await import(pathToFileURL(`${modules}/kubernetes-models/${module}.js`).href);
  const Kind = loaded[doc.kind];
  try {
    new Kind(doc).validate();
    checked++;
  } catch (e) {
    failures++;
    console.error(`${key} ${doc.metadata?.name}: ${e.message}`);
  }
}
console.log(`${checked} manifests valid, ${failures} invalid`);
process.exit(failures ? 1 : 0);
