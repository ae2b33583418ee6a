// Replays a bursty arrival trace through a lane's KEDA ScaledObject (deploy/k8s/keda-scaledobjects.yaml) and the
// HPA algorithm, twice: with the ScaledObject's scalingModifiers formula as written, and with queue depth alone
// (lane + overflow). Prints a table over time and a summary. No npm packages; seeded, so runs repeat exactly.
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
import { parseAllDocuments } from "./yaml-lite.mjs";

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
    documents.push(...parseAllDocuments(readFileSync(join(manifests, file), "utf8")));
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

/** Seeded PRNG (mulberry32) and a Poisson draw. */
function random(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function poisson(rng, mean) {
  if (mean <= 0) return 0;
  if (mean > 50) {
    const u = Math.max(rng(), 1e-12);
    const normal = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng());
    return Math.max(0, Math.round(mean + Math.sqrt(mean) * normal));
  }
  const limit = Math.exp(-mean);
  let k = 0;
  for (let p = rng(); p > limit; p *= rng()) k++;
  return k;
}

/** The arrival trace: requests arriving in each second, and whether the provider is throttled then. */
export function trace(options) {
  const o = { ...defaults, ...options };
  const rng = random(o.seed);
  const seconds = [];
  for (let t = 0; t < o.duration; t++) {
    const bursting = o.bursts.some((start) => t >= start && t < start + o.burstSeconds);
    const rate = bursting ? o.burst : o.baseline;
    seconds.push({ rate, arrivals: poisson(rng, rate), throttled: t >= o.throttleFrom && t < o.throttleTo });
  }
  return seconds;
}

/** HPA rate limits (calculateScaleUpLimitWithScalingRules / calculateScaleDownLimitWithBehaviors). */
function changeInPeriod(events, now, period) {
  return events.filter((e) => e.time > now - period).reduce((sum, e) => sum + e.change, 0);
}

function scaleUpLimit(current, now, upEvents, downEvents, rules) {
  if (rules.selectPolicy === "Disabled") return current;
  let result = rules.selectPolicy === "Min" ? Infinity : -Infinity;
  for (const p of rules.policies) {
    const start = current - changeInPeriod(upEvents, now, p.periodSeconds) + changeInPeriod(downEvents, now, p.periodSeconds);
    const proposed = p.type === "Pods" ? start + p.value : Math.ceil(start * (1 + p.value / 100));
    result = rules.selectPolicy === "Min" ? Math.min(result, proposed) : Math.max(result, proposed);
  }
  return result;
}

function scaleDownLimit(current, now, upEvents, downEvents, rules) {
  if (rules.selectPolicy === "Disabled") return current;
  let result = rules.selectPolicy === "Min" ? -Infinity : Infinity;
  for (const p of rules.policies) {
    const start = current - changeInPeriod(upEvents, now, p.periodSeconds) + changeInPeriod(downEvents, now, p.periodSeconds);
    const proposed = p.type === "Pods" ? start - p.value : Math.trunc(start * (1 - p.value / 100));
    result = rules.selectPolicy === "Min" ? Math.max(result, proposed) : Math.min(result, proposed);
  }
  return result;
}

/** One HPA sync: the replica count it sets, given the metric and its history. */
function hpaStep(state, metric, now, s, tolerance) {
  const current = state.replicas;
  const ratio = metric / (s.target * current);
  const proposal = Math.abs(1 - ratio) <= tolerance ? current : Math.ceil(metric / s.target);
  state.recommendations.push({ time: now, replicas: proposal });
  const keep = Math.max(s.scaleUp.stabilizationWindowSeconds, s.scaleDown.stabilizationWindowSeconds);
  state.recommendations = state.recommendations.filter((r) => r.time > now - keep - 1);
  let up = proposal;
  let down = proposal;
  for (const r of state.recommendations) {
    if (r.time > now - s.scaleUp.stabilizationWindowSeconds) up = Math.min(up, r.replicas);
    if (r.time > now - s.scaleDown.stabilizationWindowSeconds) down = Math.max(down, r.replicas);
  }
  let desired = current;
  if (desired < up) desired = up;
  if (desired > down) desired = down;
  const min = Math.max(1, s.minReplicaCount);
  if (desired > current) {
    const limit = Math.max(current, scaleUpLimit(current, now, state.upEvents, state.downEvents, s.scaleUp));
    desired = Math.min(desired, s.maxReplicaCount, limit);
  } else if (desired < current) {
    const limit = Math.min(current, scaleDownLimit(current, now, state.upEvents, state.downEvents, s.scaleDown));
    desired = Math.max(desired, min, limit);
  }
  desired = Math.min(Math.max(desired, min), s.maxReplicaCount);
  if (desired > current) state.upEvents.push({ time: now, change: desired - current });
  if (desired < current) state.downEvents.push({ time: now, change: current - desired });
  return desired;
}

/** Runs one variant through the trace. `formula` maps trigger values to the composite metric. */
export function run(seconds, settings, formula, o) {
  const perReplica = Math.min(o.concurrency / o.latency, o.brokerBound);
  const state = { replicas: Math.max(settings.minReplicaCount, 0), recommendations: [], upEvents: [], downEvents: [] };
  let pods = Array.from({ length: state.replicas }, () => ({ readyAt: -1 })); // running at the start
  const queue = []; // waiting cohorts: { time, count }
  const served = []; // per second, for the in-flight estimate
  let statsDepth = 0;
  let heldSeen = 0;
  let lastActive = 0;
  let credit = 0;
  const waits = new Map(); // wait seconds -> requests
  const rows = [];
  let row = { arrivals: 0, waits: new Map(), held: 0 };
  let podSeconds = 0;
  let throttledPodSeconds = 0;
  const hpaOffset = 1; // the controller's syncs do not line up with the trace's start

  const depth = (t) => queue.reduce((n, c) => n + c.count, 0) + served.slice(Math.max(0, t - o.latency), t).reduce((a, b) => a + b, 0);

  for (let t = 0; t < seconds.length; t++) {
    const second = seconds[t];
    // arrivals
    if (second.arrivals > 0) queue.push({ time: t, count: second.arrivals });
    // service
    const ready = pods.filter((p) => p.readyAt <= t).length;
    let capacity = ready * perReplica;
    if (second.throttled) capacity = Math.min(capacity, o.throttled);
    credit = Math.min(credit + capacity, capacity + 1); // fractional capacity carries over, idle time does not
    let remaining = Math.floor(credit);
    let servedNow = 0;
    while (remaining > 0 && queue.length > 0) {
      const cohort = queue[0];
      const take = Math.min(cohort.count, remaining);
      cohort.count -= take;
      remaining -= take;
      servedNow += take;
      const wait = t - cohort.time;
      waits.set(wait, (waits.get(wait) ?? 0) + take);
      row.waits.set(wait, (row.waits.get(wait) ?? 0) + take);
      if (cohort.count === 0) queue.shift();
    }
    credit -= servedNow;
    served.push(servedNow);
    // what the scalers can see
    if (t % o.stats === 0) statsDepth = depth(t + 1);
    if (t % o.scrape === 0) {
      // the held query: a circuit open, or more calls waiting than the adaptive limit lets run (the provider
      // serves less than half of what the ready replicas would ask of it)
      heldSeen = second.throttled && ready > 0 && o.throttled < (ready * perReplica) / 2 ? ready : 0;
    }
    const values = {};
    if (settings.laneTrigger) values[settings.laneTrigger] = statsDepth;
    if (settings.overflowTrigger) values[settings.overflowTrigger] = 0; // one tenant here: fair share moves nothing
    if (settings.heldTrigger) values[settings.heldTrigger] = heldSeen;
    const metric = formula(values);
    // KEDA: activation and scale to zero, every pollingInterval
    if (t % settings.pollingInterval === 0) {
      const active = metric > settings.activationTarget;
      if (active) lastActive = t;
      if (state.replicas === 0 && active) state.replicas = Math.max(1, settings.minReplicaCount);
      else if (state.replicas > 0 && settings.minReplicaCount === 0 && !active && t - lastActive >= settings.cooldownPeriod) {
        state.replicas = 0;
      }
    }
    // HPA
    if (state.replicas > 0 && (t - hpaOffset) % o.sync === 0 && t >= hpaOffset) {
      state.replicas = hpaStep(state, metric, t, settings, o.tolerance);
    }
    // pods follow the replica count: new ones start, surplus ones (newest first) stop
    while (pods.length < state.replicas) pods.push({ readyAt: t + o.podStart });
    if (pods.length > state.replicas) pods = pods.slice(0, state.replicas);
    podSeconds += pods.length;
    if (second.throttled) throttledPodSeconds += pods.length;
    // table
    row.arrivals += second.arrivals;
    row.held = Math.max(row.held, heldSeen);
    if ((t + 1) % o.every === 0) {
      rows.push({
        time: t + 1,
        rate: row.arrivals / o.every,
        throttled: second.throttled,
        queue: depth(t + 1),
        replicas: pods.length,
        ready: pods.filter((p) => p.readyAt <= t).length,
        held: row.held,
        waitP99: quantile(row.waits, 0.99),
      });
      row = { arrivals: 0, waits: new Map(), held: 0 };
    }
  }
  return {
    rows,
    maxReplicas: Math.max(...rows.map((r) => r.replicas)),
    waitP99: quantile(waits, 0.99),
    waitMax: Math.max(...waits.keys()),
    replicaMinutes: podSeconds / 60,
    throttledReplicaMinutes: throttledPodSeconds / 60,
    unserved: queue.reduce((n, c) => n + c.count, 0),
  };
}

function quantile(histogram, q) {
  const total = [...histogram.values()].reduce((a, b) => a + b, 0);
  if (total === 0) return null;
  let seen = 0;
  for (const wait of [...histogram.keys()].sort((a, b) => a - b)) {
    seen += histogram.get(wait);
    if (seen >= q * total) return wait;
  }
  return null;
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

function parseArgs(argv) {
  const o = {};
  const numeric = Object.keys(defaults).filter((k) => typeof defaults[k] === "number");
  for (let k = 0; k < argv.length; k++) {
    const arg = argv[k];
    if (arg === "--help" || arg === "-h") {
      console.log(`usage: scripts/scale-sim [--lane default|bulk] [--json] [--no-throttle] [--bursts 60,240]\n` +
        `  [--${numeric.map((n) => n.replace(/[A-Z]/g, (c) => "-" + c.toLowerCase())).join(" N] [--")} N] [--manifests DIR]`);
      process.exit(0);
    }
    const name = arg.replace(/^--/, "").replace(/-([a-z])/g, (_, c) => c.toUpperCase());
    if (name === "json") o.json = true;
    else if (name === "noThrottle") o.throttleTo = 0;
    else if (name === "lane" || name === "manifests") o[name] = argv[++k];
    else if (name === "bursts") o.bursts = argv[++k].split(",").filter(Boolean).map(Number);
    else if (numeric.includes(name)) o[name] = Number(argv[++k]);
    else throw new Error(`unknown option ${arg} (--help)`);
  }
  return o;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const options = parseArgs(process.argv.slice(2));
  const result = simulate(options);
  if (options.json) console.log(JSON.stringify(result, null, 2));
  else console.log(report(result));
}
