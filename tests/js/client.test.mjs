// The unmodified @fal-ai/client 1.10.1 under Node.js against a soundstage server.
// Run by tests/api/test_js_client.py, which starts the server and sets SOUNDSTAGE_URL and FAL_KEY.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createFalClient, ApiError, ValidationError } from "@fal-ai/client";

const BASE = process.env.SOUNDSTAGE_URL;
const KEY = process.env.FAL_KEY;

// The README's requestMiddleware recipe: fal's hosts onto our route prefixes.
function rewrite(url) {
  return url
    .replace("https://queue.fal.run", `${BASE}/queue`)
    .replace("https://rest.fal.ai", `${BASE}/rest`)
    .replace("https://fal.run", `${BASE}/run`);
}

const fal = createFalClient({
  credentials: KEY,
  requestMiddleware: async (request) => ({ ...request, url: rewrite(request.url) }),
});

async function subscribeLogs(client, mode) {
  let logs = [];
  const result = await client.subscribe("test/sleep", {
    input: { seconds: 0.8, steps: 4 },
    logs: true,
    mode,
    pollInterval: 100,
    onQueueUpdate: (update) => {
      if (update.status === "IN_PROGRESS" || update.status === "COMPLETED") logs = update.logs ?? logs;
    },
  });
  return { result, messages: logs.map((l) => l.message) };
}

test("subscribe in polling mode returns data and logs", async () => {
  const { result, messages } = await subscribeLogs(fal, "polling");
  assert.equal(result.data.slept, 0.8);
  assert.ok(result.requestId);
  assert.deepEqual(messages, ["step 1/4", "step 2/4", "step 3/4", "step 4/4"]);
});

test("subscribe in streaming mode carries every log line exactly once", async () => {
  const { result, messages } = await subscribeLogs(fal, "streaming");
  assert.equal(result.data.slept, 0.8);
  assert.deepEqual(messages, ["step 1/4", "step 2/4", "step 3/4", "step 4/4"]);
});

test("storage.upload, single request", async () => {
  const bytes = new Uint8Array(1000).map((_, i) => i % 251);
  const url = await fal.storage.upload(new Blob([bytes], { type: "audio/wav" }));
  const body = new Uint8Array(await (await fetch(url)).arrayBuffer());
  assert.deepEqual(body, bytes);
});

test("storage.upload, multipart over 90 MiB", async () => {
  const size = 91 * 1024 * 1024;
  const bytes = new Uint8Array(size);
  for (let i = 0; i < size; i += 4096) bytes[i] = (i / 4096) % 256;
  const url = await fal.storage.upload(new Blob([bytes], { type: "application/octet-stream" }));
  const body = new Uint8Array(await (await fetch(url)).arrayBuffer());
  assert.equal(body.length, size);
  for (const i of [0, 4096, size - 4096 * 7]) assert.equal(body[i], bytes[i]);
});

test("auto-upload of a Blob input, then used by the app", async () => {
  const result = await fal.run("test/fetch", { input: { url: new Blob(["hello"], { type: "text/plain" }) } });
  assert.equal(result.data.size, 5);
});

test("cancel a running job", async () => {
  const { request_id } = await fal.queue.submit("test/sleep", { input: { seconds: 10, steps: 100 } });
  for (let i = 0; i < 100; i++) {
    const s = await fal.queue.status("test/sleep", { requestId: request_id });
    if (s.status === "IN_PROGRESS") break;
    await new Promise((r) => setTimeout(r, 50));
  }
  await fal.queue.cancel("test/sleep", { requestId: request_id });
  let status;
  for (let i = 0; i < 100; i++) {
    status = await fal.queue.status("test/sleep", { requestId: request_id });
    if (status.status === "COMPLETED") break;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.equal(status.status, "COMPLETED");
  assert.equal(status.error, "Request cancelled");
  await assert.rejects(fal.queue.result("test/sleep", { requestId: request_id }), ApiError);
});

test("a 422 surfaces as ValidationError with field errors", async () => {
  await assert.rejects(
    fal.queue.submit("test/echo", { input: { text: "a", repeat: 9 } }),
    (err) => {
      assert.ok(err instanceof ValidationError);
      assert.equal(err.status, 422);
      assert.deepEqual(err.fieldErrors[0].loc, ["body", "repeat"]);
      return true;
    },
  );
});

test("proxyUrl mode routes on x-fal-target-url", async () => {
  const proxied = createFalClient({ credentials: KEY, proxyUrl: { url: `${BASE}/fal/proxy`, when: "always" } });
  const result = await proxied.subscribe("test/echo", { input: { text: "via proxy" } });
  assert.equal(result.data.text, "via proxy");
});
