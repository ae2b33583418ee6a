// The replay behind scripts/scale-sim: a seeded arrival trace, and one variant's run through it, second by second,
// with KEDA's activation and the HPA's sync, tolerance, stabilisation windows and rate policies
// (pkg/controller/podautoscaler). sim.mjs reads the manifests, runs both variants and prints them.

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
export function trace(o) {
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
