import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLocalDirectoryStorage } from "../local-storage.ts";
import type { ObjectStorage } from "../object-storage.ts";

/** Makes a fresh object storage for a suite; `teardown` removes what it made. */
export interface StorageFactory {
  readonly label: string;
  create(): Promise<{ storage: ObjectStorage; teardown(): Promise<void> }>;
}

/** A local-directory storage in a new temporary directory. */
export const localDirectoryStorageFactory: StorageFactory = {
  label: "local directory",
  async create() {
    const directory = await mkdtemp(join(tmpdir(), "docket-files-"));
    return {
      storage: createLocalDirectoryStorage({ directory }),
      teardown: () => rm(directory, { recursive: true, force: true }),
    };
  },
};

/** A bucket name no other test uses, created on `storage`. */
export async function freshBucket(storage: ObjectStorage): Promise<string> {
  const bucketName = `docket-test-${randomUUID().slice(0, 13)}`;
  await storage.ensureBucket(bucketName);
  return bucketName;
}
