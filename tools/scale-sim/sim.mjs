// Replays a bursty arrival trace through a lane's KEDA ScaledObject (deploy/k8s/keda-scaledobjects.yaml) and the
// HPA algorithm, twice: with the ScaledObject's scalingModifiers formula as written, and with queue depth alone
// (lane + overflow). Prints a table over time and a summary. Seeded, so runs repeat exactly.
//
// Model, one-second steps:
// * arrivals: Poisson around a rate profile (baseline, two bursts); the provider can be throttled for a phase,
//   serving at most --throttled requests/s for the whole lane however many replicas ask.
// * a ready replica serves min(ConcurrencyLimit / latency, --broker-bound) requests/s; a new pod is ready after
//   --pod-start seconds; a removed pod stops at once (its deliveries go back to the queue).
// * KEDA's rabbitmq triggers read the management API, whose figures RabbitMQ refreshes every --stats seconds
//   (collect_statistics_interval): depth = ready + unacknowledged. The prometheus trigger sees what the last
//   scrape (--scrape seconds) saw: the lane's replicas while the provider holds it back, else 0.
// * the HPA runs every --sync seconds (kube-controller-manager default 15): desired = ceil(metric / target) unless
//   metric / (target × current) is within the tolerance (10 %), then stabilisation windows and rate policies from
//   the ScaledObject's behavior, as pkg/controller/podautoscaler does. KEDA activates 0 → 1 on pollingInterval
//   and scales to 0 after cooldownPeriod without activity (only when minReplicaCount is 0).
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import yaml from "js-yaml";
import { run, trace } from "./replay.mjs";

export { run, trace };

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

export const defaults = {
  lane: "default",
  manifests: join(root, "deploy", "k8s"),
  seed: 7,
  latency: 2, // seconds per provider call (LLM latency 1-2 s: the slow end)
  podStart: 20, // seconds from scale-up to a ready pod
  brokerBound: 1000, // requests/s one replica sustains when the provider is not the limit (docs/benchmarks.md)
  baseline: 20, // requests/s
  burst: 400, // requests/s
  burstSeconds: 30,
  bursts: [60, 240], // burst starts, seconds
  throttleFrom: 480, // provider throttled from..to (seconds); throttleTo <= throttleFrom disables the phase
  throttleTo: 720,
  throttled: 10, // requests/s the throttled provider serves for the whole lane
  duration: 960,
  every: 15, // table row interval, seconds
  sync: 15, // HPA sync period
  tolerance: 0.1,
  stats: 5, // RabbitMQ management statistics interval
  scrape: 15, // Prometheus scrape interval
};

/** The lane's ScaledObject, its Deployment and the lane's ConcurrencyLimit, read from the manifests. */
export function loadLane(manifests, lane) {
  const documents = [];
  for (const file of ["keda-scaledobjects.yaml", "worker-deployment.yaml", "worker-config.yaml"]) {
    documents.push(...yaml.loadAll(readFileSync(join(manifests, file), "utf8")).filter((d) => d !== null && d !== undefined));
  }
  const scaledObjects = documents.filter((d) => d.kind === "ScaledObject");
  const scaled = scaledObjects.find((so) =>
    so.spec.triggers.some((t) => t.type === "rabbitmq" && t.metadata.queueName === `promptqueue.requests.${lane}`));
  if (!scaled) throw new Error(`no ScaledObject reads promptqueue.requests.${lane}`);
  const deployment = documents.find((d) => d.kind === "Deployment" && d.metadata.name === scaled.spec.scaleTargetRef.name);
  if (!deployment) throw new Error(`no Deployment ${scaled.spec.scaleTargetRef.name}`);
  const configMaps = deployment.spec.template.spec.volumes.filter((v) => v.configMap).map((v) => v.configMap.name);
  let concurrency;
  for (const name of configMaps) {
    const map = documents.find((d) => d.kind === "ConfigMap" && d.metadata.name === name);
    for (const text of Object.values(map?.data ?? {})) {
      const value = JSON.parse(text)?.Messaging?.Lanes?.[lane]?.ConcurrencyLimit;
      if (value !== undefined) concurrency = value;
    }
  }
  if (concurrency === undefined) throw new Error(`no ConcurrencyLimit for lane ${lane} in ${configMaps.join(", ")}`);
  return { scaled, deployment, concurrency };
}

/** ScaledObject settings the simulation uses, with KEDA's and Kubernetes' defaults where a field is absent. */
export function scalerSettings(scaled) {
  const spec = scaled.spec;
  const behavior = spec.advanced?.horizontalPodAutoscalerConfig?.behavior ?? {};
  const modifiers = spec.advanced?.scalingModifiers;
  const rabbit = spec.triggers.filter((t) => t.type === "rabbitmq");
  const names = spec.triggers.map((t) => t.name).filter(Boolean);
  const rules = (r, fallback) => ({
    stabilizationWindowSeconds: r?.stabilizationWindowSeconds ?? fallback.stabilizationWindowSeconds,
    selectPolicy: r?.selectPolicy ?? "Max",
    policies: r?.policies ?? fallback.policies,
  });
  return {
    minReplicaCount: spec.minReplicaCount ?? 0,
    maxReplicaCount: spec.maxReplicaCount ?? 100,
    pollingInterval: spec.pollingInterval ?? 30,
    cooldownPeriod: spec.cooldownPeriod ?? 300,
    target: Number(modifiers?.target ?? rabbit[0].metadata.value),
    activationTarget: Number(modifiers?.activationTarget ?? rabbit[0].metadata.activationValue ?? 0),
    formula: modifiers?.formula ?? null,
    triggerNames: names,
    laneTrigger: rabbit.find((t) => !t.metadata.queueName.endsWith(".overflow"))?.name,
    overflowTrigger: rabbit.find((t) => t.metadata.queueName.endsWith(".overflow"))?.name,
    heldTrigger: spec.triggers.find((t) => t.type === "prometheus")?.name,
    scaleUp: rules(behavior.scaleUp, {
      stabilizationWindowSeconds: 0,
      policies: [{ type: "Percent", value: 100, periodSeconds: 15 }, { type: "Pods", value: 4, periodSeconds: 15 }],
    }),
    scaleDown: rules(behavior.scaleDown, {
      stabilizationWindowSeconds: 300,
      policies: [{ type: "Percent", value: 100, periodSeconds: 15 }],
    }),
  };
}

/**
 * A scalingModifiers formula as a function of the trigger values. Only the part of expr's language that reads the
 * same in JavaScript is accepted (names, numbers, + - * / %, comparisons, && || !, ?:, parentheses).
 */
export function compileFormula(formula, names) {
  if (!/^[\sA-Za-z0-9_.+\-*/%()<>=!?:&|]+$/.test(formula)) throw new Error(`formula outside the supported subset: ${formula}`);
  for (const word of formula.match(/[A-Za-z_][A-Za-z0-9_]*/g) ?? []) {
    if (!names.includes(word)) throw new Error(`formula names ${word}, which is no trigger`);
  }
  const fn = new Function(...names, `"use strict"; return (${formula});`);
  return (values) => {
    const result = fn(...names.map((n) => values[n] ?? 0));
    if (typeof result !== "number" || Number.isNaN(result)) throw new Error(`formula returned ${result}`);
    return result;
  };
}

/** Both variants on the same trace. */
export function simulate(options = {}) {
  const o = { ...defaults, ...options };
  const { scaled, concurrency } = loadLane(o.manifests, o.lane);
  const settings = scalerSettings(scaled);
  if (!settings.formula) throw new Error(`${scaled.metadata.name} has no scalingModifiers formula to compare`);
  const names = settings.triggerNames;
  const withModifier = compileFormula(settings.formula, names);
  const queueOnly = compileFormula([settings.laneTrigger, settings.overflowTrigger].filter(Boolean).join(" + "), names);
  const seconds = trace(o);
  const replay = (formula) => run(seconds, settings, formula, { ...o, concurrency });
  return {
    options: o,
    scaledObject: scaled.metadata.name,
    settings,
    concurrency,
    perReplica: Math.min(concurrency / o.latency, o.brokerBound),
    arrivals: seconds.reduce((n, s) => n + s.arrivals, 0),
    formula: replay(withModifier),
    queueOnly: replay(queueOnly),
  };
}

const clock = (t) => `${Math.floor(t / 60)}:${String(t % 60).padStart(2, "0")}`;
const pad = (v, n) => String(v).padStart(n);
const inSeconds = (v) => (v === null ? "-" : `${v} s`);

export function report(result) {
  const { options: o, settings: s } = result;
  const lines = [];
  lines.push(`scale-sim: ${result.scaledObject} (deploy/k8s), seed ${o.seed}, ${result.arrivals} requests in ${o.duration / 60} min`);
  lines.push(`  target ${s.target} per replica, activation > ${s.activationTarget}, replicas ${s.minReplicaCount}-${s.maxReplicaCount}, ` +
    `pollingInterval ${s.pollingInterval} s, cooldownPeriod ${s.cooldownPeriod} s`);
  const policies = (r) => r.policies.map((p) => `${p.value}${p.type === "Percent" ? "%" : " pods"}/${p.periodSeconds}s`).join(" or ");
  lines.push(`  HPA: sync ${o.sync} s, tolerance ${o.tolerance * 100}%, up: window ${s.scaleUp.stabilizationWindowSeconds} s, ${policies(s.scaleUp)}; ` +
    `down: window ${s.scaleDown.stabilizationWindowSeconds} s, ${policies(s.scaleDown)}`);
  lines.push(`  replica: ${result.concurrency} slots / ${o.latency} s per call = ${result.perReplica} requests/s; pod start ${o.podStart} s; ` +
    `RabbitMQ stats every ${o.stats} s, Prometheus scrape every ${o.scrape} s`);
  lines.push(`  trace: ${o.baseline}/s, bursts of ${o.burst}/s for ${o.burstSeconds} s at ${o.bursts.map(clock).join(" and ")}` +
    (o.throttleTo > o.throttleFrom ? `; provider throttled to ${o.throttled}/s from ${clock(o.throttleFrom)} to ${clock(o.throttleTo)}` : ""));
  lines.push(`  formula: ${s.formula}`);
  lines.push("");
  lines.push("                          |  with scalingModifiers formula  |  queue depth only");
  lines.push("   time  arr/s  provider  |   queue  replicas  held  wait p99 |   queue  replicas  wait p99");
  for (let k = 0; k < result.formula.rows.length; k++) {
    const a = result.formula.rows[k];
    const b = result.queueOnly.rows[k];
    const replicas = (r) => `${r.replicas}${r.ready < r.replicas ? `(${r.ready})` : ""}`;
    lines.push(`  ${pad(clock(a.time), 5)}  ${pad(Math.round(a.rate), 5)}  ${a.throttled ? "throttled" : "ok       "} | ` +
      `${pad(a.queue, 7)}  ${pad(replicas(a), 8)}  ${pad(a.held, 4)}  ${pad(inSeconds(a.waitP99), 8)} | ` +
      `${pad(b.queue, 7)}  ${pad(replicas(b), 8)}  ${pad(inSeconds(b.waitP99), 8)}`);
  }
  lines.push("  replicas: pods (ready ones in brackets while some start); held: what the prometheus trigger returned");
  lines.push("");
  lines.push("  summary                              formula   queue only");
  const summary = (label, a, b) => lines.push(`  ${label.padEnd(35)}${pad(a, 9)}  ${pad(b, 11)}`);
  const f = result.formula;
  const q = result.queueOnly;
  summary("max replicas", f.maxReplicas, q.maxReplicas);
  summary("wait p99, whole run", inSeconds(f.waitP99), inSeconds(q.waitP99));
  summary("longest wait", inSeconds(f.waitMax), inSeconds(q.waitMax));
  summary("replica-minutes, whole run", f.replicaMinutes.toFixed(1), q.replicaMinutes.toFixed(1));
  if (o.throttleTo > o.throttleFrom) summary("replica-minutes while throttled", f.throttledReplicaMinutes.toFixed(1), q.throttledReplicaMinutes.toFixed(1));
  summary("requests still queued at the end", f.unserved, q.unserved);
  return lines.join("\n");
}

const kebab = (name) => name.replace(/[A-Z]/g, (c) => "-" + c.toLowerCase());
const numeric = Object.keys(defaults).filter((k) => typeof defaults[k] === "number");
const cliOptions = {
  help: { type: "boolean", short: "h" },
  json: { type: "boolean" },
  "no-throttle": { type: "boolean" },
  lane: { type: "string" },
  manifests: { type: "string" },
  bursts: { type: "string" },
  ...Object.fromEntries(numeric.map((n) => [kebab(n), { type: "string" }])),
};

function readOptions(argv) {
  let tokens;
  try {
    ({ tokens } = parseArgs({ args: argv, options: cliOptions, strict: true, tokens: true }));
  } catch (error) {
    if (error.code !== "ERR_PARSE_ARGS_UNKNOWN_OPTION") throw error;
    throw new Error(`unknown option ${error.message.match(/'([^']+)'/)?.[1] ?? ""} (--help)`);
  }
  // In the order given: a later --throttle-to overrides an earlier --no-throttle and the other way round.
  const o = {};
  for (const { name, value } of tokens.filter((t) => t.kind === "option")) {
    if (name === "help") {
      console.log(`usage: scripts/scale-sim [--lane default|bulk] [--json] [--no-throttle] [--bursts 60,240]\n` +
        `  [--${numeric.map(kebab).join(" N] [--")} N] [--manifests DIR]`);
      process.exit(0);
    }
    const key = name.replace(/-([a-z])/g, (_, c) => c.toUpperCase());
    if (key === "json") o.json = true;
    else if (key === "noThrottle") o.throttleTo = 0;
    else if (key === "lane" || key === "manifests") o[key] = value;
    else if (key === "bursts") o.bursts = value.split(",").filter(Boolean).map(Number);
    else o[key] = Number(value);
  }
  return o;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const options = readOptions(process.argv.slice(2));
  const result = simulate(options);
  if (options.json) console.log(JSON.stringify(result, null, 2));
  else console.log(report(result));
}
