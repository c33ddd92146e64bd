// An outside service written with the official NATS JavaScript packages, connecting as the
// documented `client` user (docs/client.md, docs/operations.md). It prints one JSON line per
// check: {"check", "ok", "detail"}; tests/outside/test_js_client.py runs it and asserts on them.
// Env: NATS_URL, NATS_USER, NATS_PASSWORD, BRANDLENS_MODEL (a ready model to submit to).
import { connect } from "@nats-io/transport-node";
import { AckPolicy, DeliverPolicy, jetstream, jetstreamManager } from "@nats-io/jetstream";
import { Kvm } from "@nats-io/kv";
import { Objm } from "@nats-io/obj";
import { Svcm } from "@nats-io/services";

const dec = new TextDecoder();
const enc = new TextEncoder();
const results = [];

async function check(name, fn, timeoutMs = 15000) {
  let timer;
  const bound = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no result within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    const detail = await Promise.race([fn(), bound]);
    results.push({ check: name, ok: true, detail: detail ?? null });
  } catch (err) {
    results.push({ check: name, ok: false, detail: `${err?.name}: ${err?.message}` });
  } finally {
    clearTimeout(timer);
  }
}

const nc = await connect({
  servers: process.env.NATS_URL, user: process.env.NATS_USER, pass: process.env.NATS_PASSWORD,
  maxReconnectAttempts: 0,
});
const js = jetstream(nc, { timeout: 5000 });
const model = process.env.BRANDLENS_MODEL;
let runId = "";

await check("micro discovery", async () => {
  const client = new Svcm(nc).client();
  const names = new Set();
  for await (const info of await client.info()) names.add(info.name);
  for (const want of ["brandlens-dispatcher", "brandlens-aggregator", "brandlens-adapter"]) {
    if (!names.has(want)) throw new Error(`missing ${want} in ${[...names]}`);
  }
  return [...names].sort();
});

await check("models by request", async () => {
  const reply = await nc.request("brandlens.models.list", "", { timeout: 5000 });
  const models = reply.json();
  if (!models.some((m) => m.model === model && m.ready)) throw new Error(`${model} not ready`);
  return models.length;
});

await check("submit by request", async () => {
  const body = { brand: { name: "欧派" }, questions: ["全屋定制品牌哪家好"], models: [model], deadline_s: 60 };
  const reply = await nc.request("brandlens.runs.submit", enc.encode(JSON.stringify(body)), { timeout: 30000 });
  runId = reply.json().run_id;
  if (!runId) throw new Error(dec.decode(reply.data));
  return runId;
});

// Wait for the run to end before following, so the consumer must read from the stream's start:
// a late subscriber misses nothing.
await check("status until complete", async () => {
  for (;;) {
    const reply = await nc.request("brandlens.runs.status", runId, { timeout: 5000 });
    const status = reply.json().status;
    if (status && status !== "running") return status;
    await new Promise((r) => setTimeout(r, 200));
  }
}, 60000);

await check("events by ordered consumer", async () => {
  const consumer = await js.consumers.get("BRANDLENS_EVENTS", {
    filter_subjects: [`brandlens.events.${runId}.>`], deliver_policy: DeliverPolicy.All,
  });
  const messages = await consumer.consume();
  const seen = [];
  for await (const m of messages) {
    seen.push(m.subject.split(".").pop());
    if (m.subject.endsWith(".completed")) break;
  }
  await messages.close();
  return seen;
});

await check("events by ephemeral pull consumer", async () => {
  const jsm = await jetstreamManager(nc, { timeout: 5000 });
  const info = await jsm.consumers.add("BRANDLENS_EVENTS", {
    filter_subject: `brandlens.events.${runId}.completed`, ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All, inactive_threshold: 30_000_000_000,
  });
  const consumer = await js.consumers.get("BRANDLENS_EVENTS", info.name);
  const m = await consumer.next({ expires: 5000 });
  if (!m) throw new Error("no completed event");
  m.ack();
  return m.json().status ?? m.subject;
});

await check("run record from KV", async () => {
  const kv = await new Kvm(nc).open("brandlens_runs");
  const entry = await kv.get(runId);
  if (!entry) throw new Error("no run record");
  return entry.json().status;
});

await check("health from KV", async () => {
  const kv = await new Kvm(nc).open("brandlens_health");
  const entry = await kv.get(model);
  if (!entry) throw new Error("no heartbeat");
  return entry.json().state;
});

await check("report from object store", async () => {
  const os = await new Objm(nc).open("brandlens_reports");
  const data = await os.getBlob(runId);
  if (!data) throw new Error("no report object");
  return JSON.parse(dec.decode(data)).run_id;
});

await check("report by request", async () => {
  const reply = await nc.request("brandlens.runs.report", JSON.stringify({ run_id: runId, format: "md" }),
    { timeout: 10000 });
  return reply.data.length;
});

// Must not: each of these has to fail with an error (not hang) for the client role.
const mustNot = {
  "delete the events stream": async () => (await jetstreamManager(nc, { timeout: 5000 })).streams.delete("BRANDLENS_EVENTS"),
  "read jobs by consumer": async () => {
    const jsm = await jetstreamManager(nc, { timeout: 5000 });
    return jsm.consumers.add("BRANDLENS_JOBS", { filter_subject: `brandlens.jobs.${model}`, ack_policy: AckPolicy.None });
  },
  "overwrite a run record": async () => (await new Kvm(nc).open("brandlens_runs")).put(runId, "{}"),
};
for (const [name, fn] of Object.entries(mustNot)) {
  await check(`must not: ${name}`, async () => {
    try {
      await fn();
    } catch (err) {
      return `refused: ${err?.name}: ${err?.message}`;
    }
    throw new Error("the server allowed it");
  });
}

for (const r of results) console.log(JSON.stringify(r));
await nc.close();
