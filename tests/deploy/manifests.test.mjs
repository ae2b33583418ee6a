// Validates the deployment files against the Kubernetes and KEDA schemas, and checks that they agree with each
// other and with the worker's configuration. Run: node --test (from tests/deploy, after npm ci).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, readdirSync, writeFileSync, mkdtempSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { join, dirname } from "node:path";
import { tmpdir } from "node:os";
import { fileURLToPath } from "node:url";
import yaml from "js-yaml";
import { Namespace, ConfigMap, Secret, Service } from "kubernetes-models/v1";
import { Deployment } from "kubernetes-models/apps/v1";
import { PodDisruptionBudget } from "kubernetes-models/policy/v1";
import { ScaledObject } from "@kubernetes-models/keda/keda.sh/v1alpha1/ScaledObject";
import { TriggerAuthentication } from "@kubernetes-models/keda/keda.sh/v1alpha1/TriggerAuthentication";
import { compileFormula } from "../../tools/scale-sim/sim.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const k8s = join(root, "deploy", "k8s");
const models = { Namespace, ConfigMap, Secret, Service, Deployment, PodDisruptionBudget, ScaledObject, TriggerAuthentication };

const files = readdirSync(k8s).filter((f) => f.endsWith(".yaml") && f !== "kustomization.yaml");
const documents = files.flatMap((file) =>
  yaml.loadAll(readFileSync(join(k8s, file), "utf8")).filter(Boolean).map((doc) => ({ file, doc })));
const byKind = (kind) => documents.filter(({ doc }) => doc.kind === kind).map(({ doc }) => doc);
const named = (kind, name) => byKind(kind).find((d) => d.metadata.name === name);

// Figures docs/scaling.md derives the targets and caps from.
const PROMETHEUS = "http://prometheus.monitoring.svc:9090";
const WORST_CALL_SECONDS = 2; // LLM latency 1-2 s: a replica finishes ConcurrencyLimit / 2 requests/s at worst
const DRAIN_SECONDS = 10; // a replica's share of the backlog drains in about 10 s
const PROVIDER_CALL_GRACE = 2; // InFlightDrain: provider calls get 2 s after ConsumerStopTimeout
const STOP_MARGIN = 5;
const LANE_LABEL = "promptqueue.io/lane";

// ---- the worker's effective configuration, as ASP.NET Core would build it in each pod ----

/** Configuration keys are case-insensitive; later sources win, objects merge. */
function merge(target, source) {
  for (const [key, value] of Object.entries(source)) {
    const existing = Object.keys(target).find((k) => k.toLowerCase() === key.toLowerCase()) ?? key;
    if (value && typeof value === "object" && !Array.isArray(value)) {
      target[existing] = merge(target[existing] && typeof target[existing] === "object" ? target[existing] : {}, value);
    } else {
      target[existing] = value;
    }
  }
  return target;
}

const section = (object, ...path) => path.reduce((o, key) =>
  o?.[Object.keys(o ?? {}).find((k) => k.toLowerCase() === key.toLowerCase())], object);

/** The JSON file a container sees at `path`: a ConfigMap key mounted there, or the image's own file. */
function mountedJson(deployment, path) {
  const container = deployment.spec.template.spec.containers[0];
  const mount = container.volumeMounts.find((m) => m.mountPath === path);
  if (!mount) return null;
  const volume = deployment.spec.template.spec.volumes.find((v) => v.name === mount.name);
  assert.ok(volume?.configMap, `${deployment.metadata.name}: ${path} comes from a ConfigMap`);
  const map = named("ConfigMap", volume.configMap.name);
  assert.ok(map, `${deployment.metadata.name}: ConfigMap ${volume.configMap.name} exists`);
  const text = map.data[mount.subPath];
  assert.ok(text, `${deployment.metadata.name}: ConfigMap ${map.metadata.name} has ${mount.subPath}`);
  return JSON.parse(text);
}

const imageAppsettings = JSON.parse(readFileSync(join(root, "src", "Worker", "appsettings.json"), "utf8"));

function effectiveConfig(deployment) {
  const container = deployment.spec.template.spec.containers[0];
  const environment = container.env.find((e) => e.name === "DOTNET_ENVIRONMENT")?.value ?? "Production";
  const config = merge({}, mountedJson(deployment, "/app/appsettings.json") ?? imageAppsettings);
  merge(config, mountedJson(deployment, `/app/appsettings.${environment}.json`) ?? {});
  for (const variable of container.env.filter((e) => e.name.includes("__") && e.value !== undefined)) {
    const path = variable.name.split("__");
    const value = path.reduceRight((inner, key) => ({ [key]: inner }), variable.value);
    merge(config, value);
  }
  return config;
}

/** Messaging:Lanes as the worker reads them (MessagingOptions.EffectiveLanes: none configured means "default"). */
function lanesOf(deployment) {
  const lanes = section(effectiveConfig(deployment), "Messaging", "Lanes") ?? {};
  return Object.keys(lanes).length > 0 ? Object.keys(lanes).map((l) => l.toLowerCase()) : ["default"];
}

function seconds(timeSpan) {
  const [h, m, s] = timeSpan.split(":").map(Number);
  return h * 3600 + m * 60 + s;
}

const deployments = byKind("Deployment");
const laneOf = (deployment) => deployment.metadata.labels[LANE_LABEL];
const lanes = deployments.map(laneOf);
const scaledObjectsFor = (deployment) => byKind("ScaledObject").filter((so) => so.spec.scaleTargetRef.name === deployment.metadata.name);

// ---- schemas and file list ----

test("every manifest is valid against its Kubernetes or KEDA schema", () => {
  assert.ok(documents.length >= 13);
  for (const kind of Object.keys(models)) assert.ok(byKind(kind).length > 0, `a ${kind} is among the manifests`);
  for (const { file, doc } of documents) {
    const Model = models[doc.kind];
    assert.ok(Model, `${file}: no schema for kind ${doc.kind}`);
    assert.doesNotThrow(() => new Model(doc).validate(), `${file}: ${doc.kind} ${doc.metadata?.name}`);
    if (doc.kind !== "Namespace") assert.equal(doc.metadata.namespace, "promptqueue", `${file}: ${doc.metadata.name} namespace`);
  }
});

test("kustomization lists every manifest except the example secret", () => {
  const kustomization = yaml.load(readFileSync(join(k8s, "kustomization.yaml"), "utf8"));
  const expected = files.filter((f) => !f.includes(".example.")).sort();
  assert.deepEqual([...kustomization.resources].sort(), expected);
});

// ---- one Deployment per lane, consuming only its lane ----

test("each lane has its own Deployment, and each Deployment consumes exactly its own lane", () => {
  assert.ok(deployments.length >= 2, "one Deployment per lane");
  assert.equal(new Set(lanes).size, lanes.length, "no two Deployments for one lane");
  // The image's appsettings.json defines a lane; configuration files merge, so it must be replaced, not added to.
  assert.ok(Object.keys(section(imageAppsettings, "Messaging", "Lanes") ?? {}).length > 0);
  for (const deployment of deployments) {
    const name = deployment.metadata.name;
    assert.ok(laneOf(deployment), `${name}: label ${LANE_LABEL}`);
    assert.notEqual(mountedJson(deployment, "/app/appsettings.json"), null, `${name}: replaces the image's appsettings.json`);
    assert.deepEqual(lanesOf(deployment), [laneOf(deployment)], `${name} consumes only lane ${laneOf(deployment)}`);
    assert.equal(deployment.spec.template.metadata.labels[LANE_LABEL], laneOf(deployment));
    assert.equal(deployment.spec.selector.matchLabels[LANE_LABEL], laneOf(deployment), `${name}: selector pins the lane`);
    assert.equal(deployment.spec.replicas, undefined, `${name}: no replicas (the HPA owns the count)`);
  }
});

test("the shared ConfigMap keeps every setting of the image's appsettings.json except local-only ones", () => {
  // Local-only: loopback addresses, the simulator, the lane (per Deployment), connection strings (the Secret).
  const localOnly = [/^Urls$/, /^Messaging:RabbitMqUri$/, /^Messaging:Lanes:/, /^Providers:Endpoints:simulator:/,
    /^Providers:Models:sim-/, /^Cache:Redis$/];
  const leaves = (object, prefix = "") => Object.entries(object).flatMap(([key, value]) =>
    value && typeof value === "object" && !Array.isArray(value) ? leaves(value, `${prefix}${key}:`) : [`${prefix}${key}`]);
  const shared = JSON.parse(named("ConfigMap", "promptqueue-worker").data["appsettings.json"]);
  const sharedKeys = new Set(leaves(shared).map((k) => k.toLowerCase()));
  for (const key of leaves(imageAppsettings)) {
    if (localOnly.some((pattern) => pattern.test(key))) continue;
    assert.ok(sharedKeys.has(key.toLowerCase()), `${key} is in src/Worker/appsettings.json but not in the shared ConfigMap`);
  }
  assert.equal(section(shared, "Messaging", "Lanes"), undefined, "no lane in the shared ConfigMap");
});

// ---- KEDA ----

test("each lane has exactly one ScaledObject, scaling its own Deployment on its queue and its overflow queue", () => {
  assert.equal(byKind("ScaledObject").length, deployments.length);
  for (const deployment of deployments) {
    const lane = laneOf(deployment);
    const scaled = scaledObjectsFor(deployment);
    assert.equal(scaled.length, 1, `one ScaledObject targets ${deployment.metadata.name}`);
    const queues = scaled[0].spec.triggers.filter((t) => t.type === "rabbitmq").map((t) => t.metadata.queueName).sort();
    assert.deepEqual(queues, [`promptqueue.requests.${lane}`, `promptqueue.requests.${lane}.overflow`]);
  }
});

test("rabbitmq triggers read the management API (unacknowledged messages count), with string metadata", () => {
  const secret = byKind("Secret")[0];
  for (const scaled of byKind("ScaledObject")) {
    for (const trigger of scaled.spec.triggers) {
      for (const [key, value] of Object.entries(trigger.metadata)) {
        assert.equal(typeof value, "string", `${scaled.metadata.name}: trigger metadata ${key} must be a string`);
      }
      if (trigger.type !== "rabbitmq") continue;
      assert.equal(trigger.metadata.protocol, "http", "AMQP mode does not count unacknowledged messages");
      assert.notEqual(trigger.metadata.excludeUnacknowledged, "true");
      assert.equal(trigger.metadata.mode, "QueueLength");
      assert.ok(Number(trigger.metadata.value) > 0, "a per-replica target");
      assert.ok(Number(trigger.metadata.activationValue) >= 0, "an activation value");
      const auth = named("TriggerAuthentication", trigger.authenticationRef.name);
      assert.ok(auth, "trigger authentication exists");
      for (const ref of auth.spec.secretTargetRef) {
        assert.equal(ref.name, secret.metadata.name);
        assert.ok(ref.key in secret.stringData, `the example Secret has ${ref.key}`);
        if (ref.parameter === "host") assert.match(secret.stringData[ref.key], /^https?:\/\/.*:15672\//, "management API URL");
      }
    }
  }
});

test("the scalingModifiers formula caps the backlog at the running replicas while the provider holds the lane", () => {
  for (const scaled of byKind("ScaledObject")) {
    const name = scaled.metadata.name;
    const modifiers = scaled.spec.advanced.scalingModifiers;
    const triggers = scaled.spec.triggers;
    const names = triggers.map((t) => t.name);
    assert.ok(names.every(Boolean), `${name}: every trigger is named (the formula refers to them by name)`);
    // KEDA pairs metrics with triggers by name prefix (modifiers.AddPairTriggerAndMetric): no name may start another.
    for (const a of names) for (const b of names) if (a !== b) assert.ok(!b.startsWith(a), `${name}: trigger ${a} is a prefix of ${b}`);
    for (const n of names) assert.match(modifiers.formula, new RegExp(`\\b${n}\\b`), `${name}: formula uses ${n}`);
    const lane = triggers.find((t) => t.type === "rabbitmq" && !t.metadata.queueName.endsWith(".overflow"));
    const overflow = triggers.find((t) => t.metadata.queueName?.endsWith(".overflow"));
    const held = triggers.find((t) => t.type === "prometheus");
    const target = Number(modifiers.target);
    assert.equal(target, Number(lane.metadata.value), `${name}: the composite target is the per-replica queue target`);
    assert.equal(modifiers.metricType ?? "AverageValue", "AverageValue");
    assert.ok(Number(modifiers.activationTarget) >= 0);

    const formula = compileFormula(modifiers.formula, names);
    const value = (l, o, h) => formula({ [lane.name]: l, [overflow.name]: o, [held.name]: h });
    assert.equal(value(900, 100, 0), 1000, "provider fine: lane + overflow");
    assert.equal(value(0, 0, 0), 0);
    for (const replicas of [1, 3, 12]) {
      assert.ok(Math.ceil(value(100000, 5000, replicas) / target) <= replicas, `held by ${replicas}: no more replicas`);
      assert.equal(value(10, 5, replicas), 15, "held with a small backlog: scaling down stays possible");
    }

    assert.equal(held.metadata.serverAddress, PROMETHEUS);
    const pods = `pod=~"${scaled.spec.scaleTargetRef.name}-.+"`;
    for (const metric of ["endpoint_circuit_open", "circuit_waits", "endpoint_calls_waiting", "endpoint_concurrency_limit", "rate_limit_wait_sum"]) {
      assert.ok(held.metadata.query.includes(`promptqueue_worker_${metric}{namespace="promptqueue", ${pods}}`), `${name}: query reads ${metric} of its own pods`);
    }
    assert.match(held.metadata.query, /or vector\(0\)$/, `${name}: no data is 0, not an error (an erroring trigger fails the composite metric)`);
  }
});

test("queue targets drain about 10 s of work per replica; replicas stay within the provider quota", () => {
  let shares = 0;
  const quotas = new Set();
  for (const deployment of deployments) {
    const [scaled] = scaledObjectsFor(deployment);
    const concurrency = section(effectiveConfig(deployment), "Messaging", "Lanes", laneOf(deployment), "ConcurrencyLimit");
    assert.ok(concurrency > 0);
    assert.equal(Number(scaled.spec.advanced.scalingModifiers.target), concurrency / WORST_CALL_SECONDS * DRAIN_SECONDS,
      `${scaled.metadata.name}: target = ConcurrencyLimit / ${WORST_CALL_SECONDS} s × ${DRAIN_SECONDS} s`);
    const share = Number(scaled.metadata.annotations["promptqueue.io/provider-share"]);
    quotas.add(Number(scaled.metadata.annotations["promptqueue.io/provider-quota"]));
    assert.ok(scaled.spec.maxReplicaCount * concurrency <= share,
      `${scaled.metadata.name}: ${scaled.spec.maxReplicaCount} replicas × ${concurrency} calls within its share ${share}`);
    assert.ok(scaled.spec.minReplicaCount <= scaled.spec.maxReplicaCount);
    shares += share;
    const behavior = scaled.spec.advanced.horizontalPodAutoscalerConfig.behavior;
    assert.ok(behavior.scaleDown.stabilizationWindowSeconds > 0, "scale-down is stabilised");
    assert.ok(behavior.scaleUp.policies.length > 0 && behavior.scaleDown.policies.length > 0);
  }
  assert.equal(quotas.size, 1, "every lane names the same key quota");
  assert.ok(shares <= [...quotas][0], `lane shares ${shares} within the key's quota ${[...quotas][0]}`);
});

test("the held query returns the lane's replicas when its provider is the bottleneck, else 0 (promtool)", (t) => {
  if (spawnSync("promtool", ["--version"]).error) {
    assert.fail("promtool is not installed: scripts/lib/services.sh installs it (Debian package prometheus)");
    return;
  }
  const scaled = named("ScaledObject", "promptqueue-worker-default");
  const query = scaled.spec.triggers.find((tr) => tr.type === "prometheus").metadata.query;
  const series = (name, pod, values, labels = 'endpoint="openai"') =>
    ({ series: `${name}{namespace="promptqueue",pod="${pod}",${labels}}`, values });
  const healthy = (pod) => [
    series("promptqueue_worker_endpoint_concurrency_limit", pod, "32x20"),
    series("promptqueue_worker_endpoint_calls_waiting", pod, "0x20"),
    series("promptqueue_worker_endpoint_circuit_open", pod, "0x20"),
  ];
  const pods = ["promptqueue-worker-default-7d9-a", "promptqueue-worker-default-7d9-b"];
  const bulkPod = "promptqueue-worker-bulk-5c4-a";
  const scenario = (name, extra, expected) => ({
    name,
    interval: "15s",
    input_series: [...pods.flatMap(healthy), ...extra],
    promql_expr_test: [{ expr: query, eval_time: "4m", exp_samples: [{ labels: "{}", value: expected }] }],
  });
  const tests = [
    // a bulk pod's open circuit is not the default lane's business
    scenario("healthy", [series("promptqueue_worker_endpoint_circuit_open", bulkPod, "1x20", 'endpoint="vllm"')], 0),
    scenario("circuit open", [series("promptqueue_worker_endpoint_circuit_open", pods[0], "1x20", 'endpoint="vllm"'),
      series("promptqueue_worker_endpoint_concurrency_limit", pods[0], "32x20", 'endpoint="vllm"')], 2),
    scenario("held for open circuits", [series("promptqueue_worker_circuit_waits", pods[1], "0+3x20", 'model="gpt-4o-mini"')], 2),
    scenario("adaptive limit cut", [series("promptqueue_worker_endpoint_concurrency_limit", pods[0], "8x20", 'endpoint="vllm"'),
      series("promptqueue_worker_endpoint_calls_waiting", pods[0], "24x20", 'endpoint="vllm"')], 2),
    scenario("lane paused through /admin/lanes", [series("promptqueue_worker_lane_paused", pods[1], "1x20", 'lane="default"')], 2),
    scenario("waiting for RPM budget", [series("promptqueue_worker_rate_limit_wait_sum", pods[0], "0+30x20", 'endpoint="openai",budget="requests"')], 2),
  ];
  const dir = mkdtempSync(join(tmpdir(), "pq-held-"));
  writeFileSync(join(dir, "rules.yml"), "groups: []\n");
  writeFileSync(join(dir, "held.test.yml"), yaml.dump({ rule_files: ["rules.yml"], evaluation_interval: "15s", tests }));
  const result = spawnSync("promtool", ["test", "rules", join(dir, "held.test.yml")], { encoding: "utf8" });
  assert.equal(result.status, 0, result.stdout + result.stderr);
});

// ---- pods ----

test("pods get longer to stop than preStop, ConsumerStopTimeout and the provider-call drain together", () => {
  for (const deployment of deployments) {
    const spec = deployment.spec.template.spec;
    const preStop = spec.containers[0].lifecycle.preStop.sleep.seconds;
    const consumerStop = seconds(section(effectiveConfig(deployment), "Messaging", "ConsumerStopTimeout") ?? "00:00:25");
    assert.ok(preStop >= 5, "preStop sleep lets the pod leave the Service's endpoints first");
    assert.ok(spec.terminationGracePeriodSeconds >= 45, `${deployment.metadata.name}: terminationGracePeriodSeconds ≥ 45`);
    assert.ok(spec.terminationGracePeriodSeconds >= preStop + consumerStop + PROVIDER_CALL_GRACE + STOP_MARGIN,
      `${deployment.metadata.name}: ${spec.terminationGracePeriodSeconds} s < ${preStop} + ${consumerStop} + ${PROVIDER_CALL_GRACE} + ${STOP_MARGIN} s`);
  }
});

test("pods have probes, measured resources and a locked-down securityContext", () => {
  for (const deployment of deployments) {
    const name = deployment.metadata.name;
    const spec = deployment.spec.template.spec;
    const [container] = spec.containers;
    const port = (probe) => {
      const p = probe.httpGet.port;
      return typeof p === "number" ? p : container.ports.find((cp) => cp.name === p)?.containerPort;
    };
    assert.equal(container.livenessProbe.httpGet.path, "/health/live", name);
    assert.equal(container.readinessProbe.httpGet.path, "/health/ready", name);
    assert.equal(port(container.livenessProbe), 8080);
    assert.equal(port(container.readinessProbe), 8080);
    assert.deepEqual(container.resources, { requests: { cpu: "1", memory: "768Mi" }, limits: { memory: "1Gi" } }, name);
    const security = container.securityContext;
    assert.equal(security.runAsNonRoot ?? spec.securityContext?.runAsNonRoot, true, `${name}: runAsNonRoot`);
    assert.equal(security.allowPrivilegeEscalation, false, `${name}: allowPrivilegeEscalation`);
    assert.equal(security.readOnlyRootFilesystem, true, `${name}: readOnlyRootFilesystem`);
    assert.deepEqual(security.capabilities.drop, ["ALL"], `${name}: drop ALL capabilities`);
    const tmp = container.volumeMounts.find((m) => m.mountPath === "/tmp");
    assert.ok(spec.volumes.find((v) => v.name === tmp?.name)?.emptyDir, `${name}: /tmp is an emptyDir`);
  }
});

test("each lane's pods have one PodDisruptionBudget, and Deployments' selectors do not overlap", () => {
  const matches = (selector, labels) => Object.entries(selector.matchLabels).every(([k, v]) => labels[k] === v);
  for (const deployment of deployments) {
    const labels = deployment.spec.template.metadata.labels;
    const budgets = byKind("PodDisruptionBudget").filter((b) => matches(b.spec.selector, labels));
    assert.equal(budgets.length, 1, `one PodDisruptionBudget for ${deployment.metadata.name}`);
    assert.ok(budgets[0].spec.maxUnavailable !== undefined || budgets[0].spec.minAvailable !== undefined);
    for (const other of deployments.filter((d) => d !== deployment)) {
      assert.ok(!matches(deployment.spec.selector, other.spec.template.metadata.labels),
        `${deployment.metadata.name}'s selector matches ${other.metadata.name}'s pods`);
    }
  }
  const service = byKind("Service")[0];
  for (const deployment of deployments) {
    assert.ok(matches({ matchLabels: service.spec.selector }, deployment.spec.template.metadata.labels), "the Service reaches every lane");
  }
});

test("no secret value is written into a ConfigMap or the Deployment", () => {
  const text = documents.filter(({ doc }) => doc.kind !== "Secret").map(({ doc }) => JSON.stringify(doc)).join("\n");
  assert.doesNotMatch(text, /sk-[A-Za-z0-9]{6,}/);
  assert.doesNotMatch(text, /amqps?:\/\/[^:"]+:[^@"]+@/);
  assert.doesNotMatch(text, /https?:\/\/[^:"/]+:[^@"/]+@/);
  assert.doesNotMatch(text, /password=/i);
});

test("docker-compose.yml is a valid compose file", () => {
  const result = spawnSync("docker-compose", ["-f", join(root, "docker-compose.yml"), "config", "-q"], { encoding: "utf8" });
  assert.equal(result.error, undefined, "docker-compose is not installed: scripts/test installs it (Debian package docker-compose)");
  assert.equal(result.status, 0, result.stderr);
});

test("Prometheus configuration and alert rules of docker-compose pass promtool", () => {
  const prometheus = join(root, "deploy", "prometheus");
  for (const args of [["check", "config", "--syntax-only", join(prometheus, "prometheus.yml")], ["check", "rules", join(prometheus, "alerts.yml")]]) {
    const result = spawnSync("promtool", args, { encoding: "utf8" });
    assert.equal(result.status, 0, `promtool ${args.join(" ")}: ${result.stdout}${result.stderr}`);
  }
});
