/**
 * The file store on an embedded SQLite file and a local directory: upload an image (its
 * placeholder job commits with the row), serve it through node:http, ask for a webp
 * variant (the original is sent and a transform job is queued), let the worker make it,
 * and fetch the variant. Exits by itself. Run with `pnpm demo:files`.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createSqliteAdapter } from "@docket/adapter-sqlite";
import { queueWorkerCreate } from "@docket/core";
import {
  createLocalDirectoryStorage,
  FILE_TRANSFORM_JOB_NAME,
  fileCreateOrUpdate,
  fileFormatMetadata,
  fileGet,
  fileSendResponse,
  fileSendTransformedImageResponse,
  PLACEHOLDER_JOB_NAME,
  transformKeyOf,
} from "@docket/files";
import { jobFileGeneratePlaceholderImage, jobFileTransformImage } from "@docket/jobs-builtin";
import sharp from "sharp";

const started = Date.now();
const say = (line: string) =>
  console.log(`[+${String(Date.now() - started).padStart(5)} ms] ${line}`);

const dir = mkdtempSync(join(tmpdir(), "docket-files-demo-"));
const adapter = createSqliteAdapter({ filename: join(dir, "jobs.db") });
await adapter.migrate();
const storage = createLocalDirectoryStorage({ directory: join(dir, "objects") });
const bucketName = "demo-images";
await storage.ensureBucket(bucketName);

// An 800×600 photo-like JPEG, made with sharp.
const photo = await sharp({
  create: {
    width: 800,
    height: 600,
    channels: 3,
    background: { r: 0, g: 0, b: 0 },
    noise: { type: "gaussian", mean: 128, sigma: 30 },
  },
})
  .jpeg({ quality: 80 })
  .toBuffer();
const file = await fileCreateOrUpdate(
  adapter,
  storage,
  {
    bucketName,
    allowedContentTypes: ["image/jpeg", "image/png"],
    schedulePlaceholderImageJob: true,
  },
  { name: "photo.jpg", meta: { altText: "noise" } },
  photo,
);
say(`uploaded ${file.name}: ${file.contentType}, ${file.contentLength} bytes, id ${file.id}`);

const server = createServer(async (req, res) => {
  try {
    const url = new URL(req.url ?? "/", "http://localhost");
    const current = await fileGet(adapter, url.pathname.split("/").pop() ?? "");
    const w = url.searchParams.get("w");
    const q = url.searchParams.get("q") ?? undefined;
    if (w === null) await fileSendResponse(req, res, storage, current);
    else
      await fileSendTransformedImageResponse(adapter, storage, req, res, current, {
        w,
        ...(q === undefined ? {} : { q }),
      });
  } catch (error) {
    res.statusCode = 400;
    res.end(String(error));
  }
});
await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
say(`serving on ${base}`);

const worker = queueWorkerCreate(adapter, {
  pollInterval: 50,
  logger: { info: () => {}, error: (entry) => say(`worker error: ${String(entry.error)}`) },
  handler: {
    [PLACEHOLDER_JOB_NAME]: jobFileGeneratePlaceholderImage(storage),
    [FILE_TRANSFORM_JOB_NAME]: jobFileTransformImage(storage),
  },
});
worker.start();

async function until<T>(what: string, check: () => Promise<T | undefined>): Promise<T> {
  for (let waited = 0; waited < 30_000; waited += 50) {
    const value = await check();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

try {
  const placeholder = await until(
    "the placeholder",
    async () => (await fileGet(adapter, file.id)).meta.placeholderImage,
  );
  const formatted = await fileFormatMetadata(await fileGet(adapter, file.id), {
    url: `${base}/files/${file.id}`,
  });
  say(`placeholder (${placeholder.length} chars): ${placeholder.slice(0, 60)}…`);
  say(`metadata: ${formatted.originalWidth}×${formatted.originalHeight}, url ${formatted.url}`);

  const variantUrl = `${base}/files/${file.id}?w=200&q=70`;
  const first = await fetch(variantUrl, { headers: { accept: "image/webp,image/*" } });
  say(
    `GET ?w=200 → ${first.status} ${first.headers.get("content-type")} ${(await first.arrayBuffer()).byteLength} bytes (the original; a transform job was queued)`,
  );

  const key = transformKeyOf("webp", 200, 70);
  const transformedId = await until(
    "the webp variant",
    async () => (await fileGet(adapter, file.id)).meta.transforms?.[key],
  );
  const second = await fetch(variantUrl, { headers: { accept: "image/webp,image/*" } });
  const bytes = Buffer.from(await second.arrayBuffer());
  const size = await sharp(bytes).metadata();
  say(
    `GET ?w=200 → ${second.status} ${second.headers.get("content-type")} ${bytes.length} bytes, ${size.width}×${size.height} (file ${transformedId}, Vary: ${second.headers.get("vary")})`,
  );
  say(
    `the webp is ${((bytes.length / photo.length) * 100).toFixed(1)} % of the original's ${photo.length} bytes`,
  );
} finally {
  await worker.stop();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await adapter.close();
  rmSync(dir, { recursive: true, force: true });
}
say("done");
