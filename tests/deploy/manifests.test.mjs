// Validates the deployment files against the Kubernetes and KEDA schemas, and checks that they agree with each
// other and with the worker's configuration. Run: node --test (from tests/deploy, after npm ci).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import yaml from "js-yaml";
import { Namespace, ConfigMap, Secret, Service } from "kubernetes-models/v1";
import { Deployment } from "kubernetes-models/apps/v1";
import { ScaledObject } from "@kubernetes-models/keda/keda.sh/v1alpha1/ScaledObject";
import { TriggerAuthentication } from "@kubernetes-models/keda/keda.sh/v1alpha1/TriggerAuthentication";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const k8s = join(root, "deploy", "k8s");
const models = { Namespace, ConfigMap, Secret, Service, Deployment, ScaledObject, TriggerAuthentication };

const files = readdirSync(k8s).filter((f) => f.endsWith(".yaml") && f !== "kustomization.yaml");
const documents = files.flatMap((file) =>
  yaml.loadAll(readFileSync(join(k8s, file), "utf8")).filter(Boolean).map((doc) => ({ file, doc })));
const byKind = (kind) => documents.filter(({ doc }) => doc.kind === kind).map(({ doc }) => doc);

test("every manifest is valid against its Kubernetes or KEDA schema", () => {
  assert.ok(documents.length >= 6);
  for (const { file, doc } of documents) {
    const Model = models[doc.kind];
    assert.ok(Model, `${file}: no schema for kind ${doc.kind}`);
    assert.doesNotThrow(() => new Model(doc).validate(), `${file}: ${doc.kind} ${doc.metadata?.name}`);
  }
});

test("kustomization lists every manifest except the example secret", () => {
  const kustomization = yaml.load(readFileSync(join(k8s, "kustomization.yaml"), "utf8"));
  const expected = files.filter((f) => !f.includes(".example.")).sort();
  assert.deepEqual([...kustomization.resources].sort(), expected);
});

test("KEDA scales the worker deployment on lane queues through the management API, with string metadata", () => {
  const [scaled] = byKind("ScaledObject");
  const deployments = byKind("Deployment").map((d) => d.metadata.name);
  assert.ok(deployments.includes(scaled.spec.scaleTargetRef.name));
  const config = JSON.parse(byKind("ConfigMap")[0].data["appsettings.Production.json"]);
  const lanes = Object.keys(config.Messaging.Lanes).map((lane) => `promptqueue.requests.${lane}`).sort();
  const queues = scaled.spec.triggers.map((t) => t.metadata.queueName).sort();
  assert.deepEqual(queues, lanes, "one trigger per configured lane");
  for (const trigger of scaled.spec.triggers) {
    assert.equal(trigger.type, "rabbitmq");
    assert.equal(trigger.metadata.protocol, "http", "AMQP mode does not count unacknowledged messages");
    for (const [key, value] of Object.entries(trigger.metadata)) {
      assert.equal(typeof value, "string", `trigger metadata ${key} must be a string`);
    }
    const auth = byKind("TriggerAuthentication").find((a) => a.metadata.name === trigger.authenticationRef.name);
    assert.ok(auth, "trigger authentication exists");
  }
});

test("pods get longer to stop than the worker lets in-flight requests finish", () => {
  const [deployment] = byKind("Deployment");
  const config = JSON.parse(byKind("ConfigMap")[0].data["appsettings.Production.json"]);
  const [h, m, s] = config.Messaging.ConsumerStopTimeout.split(":").map(Number);
  const consumerStop = h * 3600 + m * 60 + s;
  assert.ok(deployment.spec.template.spec.terminationGracePeriodSeconds > consumerStop + 5);
});

test("no secret value is written into a ConfigMap or the Deployment", () => {
  const text = documents.filter(({ doc }) => doc.kind !== "Secret").map(({ doc }) => JSON.stringify(doc)).join("\n");
  assert.doesNotMatch(text, /sk-[A-Za-z0-9]{6,}/);
  assert.doesNotMatch(text, /amqps?:\/\/[^:"]+:[^@"]+@/);
});

test("docker-compose.yml is a valid compose file", () => {
  const result = spawnSync("docker-compose", ["-f", join(root, "docker-compose.yml"), "config", "-q"], { encoding: "utf8" });
  assert.equal(result.error, undefined, "docker-compose is not installed: scripts/test installs it (Debian package docker-compose)");
  assert.equal(result.status, 0, result.stderr);
});
