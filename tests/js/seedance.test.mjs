// The seed article's example, unchanged, through the unmodified @fal-ai/client's default `fal` export.
// Run by tests/apps/test_seedance.py against a server with the Seedance endpoints (SOUNDSTAGE_URL, FAL_KEY).
import { test } from "node:test";
import assert from "node:assert/strict";
import { fal } from "@fal-ai/client";

const BASE = process.env.SOUNDSTAGE_URL;

fal.config({
  credentials: process.env.FAL_KEY,
  requestMiddleware: async (r) => ({ ...r, url: r.url
    .replace("https://queue.fal.run", `${BASE}/queue`)
    .replace("https://rest.fal.ai", `${BASE}/rest`)
    .replace("https://fal.run", `${BASE}/run`) }),
});

for (const generate_audio of [false, true]) {
  test(`seed example, generate_audio: ${generate_audio}`, async () => {
    const result = await fal.subscribe("bytedance/seedance-2.0/text-to-video", {
      input: {
        prompt: "Wide shot of a chef plating a dish in a warmly lit kitchen, steam rising, slow push in on the plate, dialogue: 'Service is on'.",
        resolution: "720p",
        duration: 8,
        aspect_ratio: "16:9",
        generate_audio,
      },
      logs: true,
    });
    const video = result.data.video;
    assert.ok(video.url.startsWith(BASE));
    assert.equal(video.width, 1280);
    assert.equal(video.height, 720);
    assert.equal(video.duration, 8);
    assert.equal(video.has_audio, generate_audio);
    const response = await fetch(video.url);
    const bytes = new Uint8Array(await response.arrayBuffer());
    assert.equal(bytes.length, video.file_size);
    assert.equal(new TextDecoder().decode(bytes.slice(4, 8)), "ftyp");
    assert.equal(typeof result.data.seed, "number");
  });
}
