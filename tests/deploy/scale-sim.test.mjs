// scripts/scale-sim: replays its trace through the ScaledObjects in deploy/k8s. Run: node --test (tests/deploy).
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { simulate, defaults } from "../../tools/scale-sim/sim.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

test("while the provider is throttled, the formula keeps replicas flat; queue depth alone scales to the maximum", () => {
  const result = simulate();
  const during = (rows) => rows.filter((r) => r.throttled);
  const atStart = result.formula.rows.find((r) => r.throttled).replicas;
  assert.ok(during(result.formula.rows).every((r) => r.replicas <= atStart), "formula: no scale-up while held");
  assert.ok(during(result.formula.rows).every((r) => r.held > 0), "the held trigger reports the replicas");
  assert.equal(Math.max(...during(result.queueOnly.rows).map((r) => r.replicas)), result.settings.maxReplicaCount,
    "queue depth alone asks for the maximum for nothing");
  assert.ok(result.formula.throttledReplicaMinutes < result.queueOnly.throttledReplicaMinutes / 2);
  // After the throttle the formula scales up again and drains the backlog.
  assert.equal(result.formula.unserved, 0);
  assert.equal(result.queueOnly.unserved, 0);
  assert.equal(result.formula.maxReplicas, result.settings.maxReplicaCount, "bursts reach the provider-quota cap");
});

test("bursts scale up within a minute and back down after the stabilisation window", () => {
  const result = simulate({ throttleTo: 0 });
  const rows = result.formula.rows;
  const burst = defaults.bursts[0];
  const scaledUp = rows.find((r) => r.time > burst && r.replicas === result.settings.maxReplicaCount);
  assert.ok(scaledUp && scaledUp.time - burst <= 60, "at the maximum within 60 s of the burst");
  assert.equal(rows.at(-1).replicas, result.settings.minReplicaCount, "back at the minimum by the end");
});

test("the bulk lane scales from zero and back to zero", () => {
  const result = simulate({ lane: "bulk", baseline: 0, bursts: [60], burst: 50, throttleTo: 0, duration: 900 });
  assert.equal(result.settings.minReplicaCount, 0);
  assert.equal(result.formula.rows[0].replicas, 0);
  assert.ok(result.formula.maxReplicas > 1);
  assert.equal(result.formula.rows.at(-1).replicas, 0, "scaled to zero after cooldownPeriod");
  assert.equal(result.formula.unserved, 0);
});

test("scripts/scale-sim runs in a couple of seconds, repeats exactly with a seed, and stops by itself", () => {
  const started = Date.now();
  const run = () => spawnSync("bash", [join(root, "scripts", "scale-sim"), "--seed", "11"], { encoding: "utf8", timeout: 10000 });
  const first = run();
  assert.equal(first.status, 0, first.stderr);
  assert.ok(Date.now() - started < 5000);
  assert.match(first.stdout, /queue depth only/);
  assert.match(first.stdout, /replica-minutes while throttled/);
  assert.equal(run().stdout, first.stdout);
});
