// A PromptQueue client written only from docs/wire-format.md, with nothing but amqplib (npm) and Node.
// Publishes N raw JSON requests for one tenant, reads the result events from a queue it binds itself, and prints
// one JSON summary line. Used by the integration tests; runnable by hand:
//   node tests/clients/node/wire-client.mjs --count 20 --tenant node-tenant
import { createRequire } from "node:module";
import { randomUUID } from "node:crypto";
import { parseArgs } from "node:util";

// amqplib is installed with the interop test peers (tests/interop).
const require = createRequire(new URL("../../interop/package.json", import.meta.url));
const amqp = require("amqplib");

const { values } = parseArgs({
  options: {
    url: { type: "string", default: "amqp://guest:guest@127.0.0.1:5672/%2F" },
    lane: { type: "string", default: "default" },
    tenant: { type: "string", default: "node-tenant" },
    model: { type: "string", default: "sim-small" },
    count: { type: "string", default: "20" },
    timeout: { type: "string", default: "60" },
  },
});
const count = Number(values.count);

const connection = await amqp.connect(values.url);
const channel = await connection.createConfirmChannel();

// Our own exclusive, server-named queue, bound to our tenant's results only.
const { queue: resultQueue } = await channel.assertQueue("", { exclusive: true });
await channel.checkExchange("promptqueue.results");
await channel.bindQueue(resultQueue, "promptqueue.results", `${values.tenant}.#`);

const requestQueue = `promptqueue.requests.${values.lane}`;
await channel.checkQueue(requestQueue); // passive: never redeclare it (x-max-priority must match)

const results = new Map();
let done;
const finished = new Promise((resolve) => (done = resolve));
await channel.consume(resultQueue, (message) => {
  const event = JSON.parse(message.content.toString("utf8"));
  results.set(event.requestId, event);
  if (results.size >= count) done();
}, { noAck: true });

const sent = new Set();
for (let i = 0; i < count; i++) {
  const requestId = randomUUID();
  const priority = i % 10;
  const request = {
    schemaVersion: 1,
    requestId,
    tenantId: values.tenant,
    model: values.model,
    messages: [
      { role: "system", content: "You answer briefly." },
      { role: "user", content: `Node question number ${i}?` },
    ],
    temperature: 0,
    maxTokens: 64,
    priority,
    metadata: { client: "node" },
    createdAt: new Date().toISOString(),
  };
  channel.sendToQueue(requestQueue, Buffer.from(JSON.stringify(request)), {
    contentType: "application/json",
    persistent: true,
    priority,
    messageId: requestId,
  });
  sent.add(requestId);
}
await channel.waitForConfirms();

const timer = setTimeout(done, Number(values.timeout) * 1000);
await finished;
clearTimeout(timer);
await connection.close();

const events = [...results.values()];
const summary = {
  sent: sent.size,
  received: events.length,
  succeeded: events.filter((e) => e.outcome === "succeeded").length,
  foreign: events.filter((e) => e.tenantId !== values.tenant || !sent.has(e.requestId)).length,
  metadataEchoed: events.every((e) => e.metadata?.client === "node"),
};
console.log(JSON.stringify(summary));
process.exit(summary.received === count && summary.succeeded === count && summary.foreign === 0 ? 0 : 1);
