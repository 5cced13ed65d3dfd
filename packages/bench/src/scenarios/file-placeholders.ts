/**
 * `pnpm bench --files`: the placeholder job (docs/files.md) for N images of 1–2 MP on
 * SQLite with a local-directory storage, through a real Docket worker. Reports images/s
 * and where the time goes: inside sharp, reading the object, and the rest — the queue and
 * the database (claim, complete, the file row read and the meta update). Target: the
 * queue + database share stays under 10 %.
 *
 * With one handler at a time (`parallelCount: 1`) the worker's wall time is the sum of
 * its parts, so the shares are exact; a second run with two handlers shows the
 * throughput when sharp's work overlaps the queue's.
 */
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import { join } from "node:path";
import { createSqliteAdapter } from "@docket/adapter-sqlite";
import { queueWorkerCreate, queueWorkerListJobs, type StorageAdapter } from "@docket/core";
import {
  createLocalDirectoryStorage,
  fileCreateOrUpdate,
  fileGeneratePlaceholderImage,
  loadSharp,
  type ObjectStorage,
  PLACEHOLDER_JOB_NAME,
} from "@docket/files";
import type Sharp from "sharp";

type SharpFunction = typeof Sharp;

interface Timings {
  sharpNs: bigint;
  readNs: bigint;
}

/** 1–2 MP photo-like JPEGs (noise compresses like a photo, not like a flat colour). */
async function makeImages(sharp: SharpFunction, distinct: number): Promise<Buffer[]> {
  const images: Buffer[] = [];
  for (let index = 0; index < distinct; index++) {
    const width = 1200 + Math.round((index / Math.max(1, distinct - 1)) * 500); // 1200–1700
    const height = Math.round((width * 3) / 4); // 1.08–2.17 MP, clamped below
    const pixels = width * height;
    const scale = pixels > 2_000_000 ? Math.sqrt(2_000_000 / pixels) : 1;
    const w = Math.floor(width * scale);
    const h = Math.floor(height * scale);
    images.push(
      await sharp({
        create: {
          width: w,
          height: h,
          channels: 3,
          // sharp's types want a background; with `noise` it is not used.
          background: { r: 0, g: 0, b: 0 },
          noise: { type: "gaussian", mean: 120, sigma: 40 },
        },
      })
        .jpeg({ quality: 85 })
        .toBuffer(),
    );
  }
  return images;
}

/** sharp, with the time spent in its terminal calls (where decoding and encoding happen). */
function timedSharp(sharp: SharpFunction, timings: Timings): SharpFunction {
  const wrapped = ((...args: Parameters<SharpFunction>) => {
    const instance = sharp(...args);
    for (const method of ["metadata", "toBuffer"] as const) {
      const original = instance[method].bind(instance) as () => Promise<unknown>;
      (instance as unknown as Record<string, unknown>)[method] = async () => {
        const start = process.hrtime.bigint();
        try {
          return await original();
        } finally {
          timings.sharpNs += process.hrtime.bigint() - start;
        }
      };
    }
    return instance;
  }) as unknown as SharpFunction;
  return wrapped;
}

/** Object reads, timed. */
function timedStorage(storage: ObjectStorage, timings: Timings): ObjectStorage {
  return {
    ...storage,
    async getBuffer(bucketName, key) {
      const start = process.hrtime.bigint();
      try {
        return await storage.getBuffer(bucketName, key);
      } finally {
        timings.readNs += process.hrtime.bigint() - start;
      }
    },
  };
}

async function runOnce(
  count: number,
  parallelCount: number,
  images: Buffer[],
  sharp: SharpFunction,
): Promise<Record<string, number>> {
  const dir = await mkdtemp(join(os.tmpdir(), "docket-bench-files-"));
  let adapter: StorageAdapter | null = null;
  try {
    adapter = createSqliteAdapter({ filename: join(dir, "queue.db") });
    await adapter.migrate();
    const storage = createLocalDirectoryStorage({ directory: join(dir, "objects") });
    const bucketName = "bench-images";
    await storage.ensureBucket(bucketName);
    for (let index = 0; index < count; index++) {
      await fileCreateOrUpdate(
        adapter,
        storage,
        { bucketName, schedulePlaceholderImageJob: true },
        { name: `image-${index}.jpg` },
        images[index % images.length]!,
      );
    }
    const timings: Timings = { sharpNs: 0n, readNs: 0n };
    const measuredSharp = timedSharp(sharp, timings);
    const measuredStorage = timedStorage(storage, timings);
    let done = 0;
    let failed = 0;
    let finished!: () => void;
    const allDone = new Promise<void>((resolve) => {
      finished = resolve;
    });
    const worker = queueWorkerCreate(adapter, {
      parallelCount,
      pollInterval: 20,
      logger: { info() {}, error: () => void failed++ },
      handler: {
        [PLACEHOLDER_JOB_NAME]: async (_event, _db, job, context) => {
          const outcome = await fileGeneratePlaceholderImage(
            context.adapter,
            measuredStorage,
            (job.data as { fileId: string }).fileId,
            async () => measuredSharp,
          );
          if (!outcome.updated) failed++;
          if (++done === count) finished();
        },
      },
    });
    const start = process.hrtime.bigint();
    worker.start();
    await allDone;
    const wallNs = process.hrtime.bigint() - start;
    await worker.stop();
    const pending = await queueWorkerListJobs(adapter, {
      name: PLACEHOLDER_JOB_NAME,
      state: "pending",
    });
    const wallMs = Number(wallNs) / 1e6;
    const sharpMs = Number(timings.sharpNs) / 1e6;
    const readMs = Number(timings.readNs) / 1e6;
    return {
      images: count,
      parallelCount,
      failed: failed + pending.length,
      wallMs,
      imagesPerSecond: (count / wallMs) * 1000,
      sharpMs,
      readMs,
      sharpShare: sharpMs / wallMs,
      readShare: readMs / wallMs,
      queueAndDatabaseShare: Math.max(0, wallMs - sharpMs - readMs) / wallMs,
    };
  } finally {
    await adapter?.close();
    await rm(dir, { recursive: true, force: true });
  }
}

function percent(value: number | undefined): string {
  return `${((value ?? 0) * 100).toFixed(1)} %`;
}

export async function runFilePlaceholderBench(argv: readonly string[]): Promise<void> {
  const countArg = argv.find((arg) => arg.startsWith("--count="))?.split("=")[1];
  const count = countArg === undefined ? 1000 : Number(countArg);
  if (!Number.isSafeInteger(count) || count < 1)
    throw new Error("--count= takes a positive integer");
  const sharp = (await loadSharp()) as SharpFunction;
  console.error(`== file placeholders: making ${Math.min(count, 10)} distinct 1–2 MP JPEGs`);
  const images = await makeImages(sharp, Math.min(count, 10));
  const rows: Record<string, number>[] = [];
  for (const parallelCount of [1, 2]) {
    console.error(`== placeholder job × ${count}, parallelCount ${parallelCount}`);
    rows.push(await runOnce(count, parallelCount, images, sharp));
  }
  const sizes = await Promise.all(images.map((image) => sharp(image).metadata()));
  const megapixels = sizes.map((meta) => ((meta.width ?? 0) * (meta.height ?? 0)) / 1e6);
  const out = [
    `# Docket file store benchmark — ${new Date().toISOString()}`,
    "",
    `Command: \`pnpm bench ${argv.join(" ")}\`. Node ${process.version}, ${os.cpus().length} cores. ` +
      `SQLite + local directory; ${count} JPEGs of ${Math.min(...megapixels).toFixed(2)}–${Math.max(...megapixels).toFixed(2)} MP ` +
      "(uploaded before the clock starts), one `compas.file.generatePlaceholderImage` job each, run by a Docket worker.",
    "",
    "| parallelCount | images | images/s | wall | in sharp | reading objects | queue + database (the rest) | failed |",
    "|---|---|---|---|---|---|---|---|",
    ...rows.map(
      (row) =>
        `| ${row.parallelCount} | ${row.images} | ${row.imagesPerSecond!.toFixed(1)} | ${(row.wallMs! / 1000).toFixed(2)} s | ${percent(row.sharpShare)} | ${percent(row.readShare)} | ${percent(row.queueAndDatabaseShare)} | ${row.failed} |`,
    ),
    "",
    "Shares are of the wall time; with `parallelCount: 2` two handlers overlap, so the time " +
      "inside sharp can add up to more than the wall time and the shares are indicative only. " +
      `Target (parallelCount 1): queue + database < 10 % — ${rows[0]!.queueAndDatabaseShare! < 0.1 ? "PASS" : "MISS"}.`,
  ];
  console.log(out.join("\n"));
}
