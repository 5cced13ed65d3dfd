import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { S3Client } from "@aws-sdk/client-s3";
import S3rver from "s3rver";
import { createS3Storage } from "../s3-storage.ts";
import type { StorageFactory } from "./storage-factory.ts";

/**
 * A real S3-compatible server for tests: s3rver, in-process, on a free local port, with
 * its data in a temporary directory. The client is configured as for MinIO: path-style,
 * and checksums only when an operation requires them (s3rver predates the SDK's default
 * CRC checksums; see the @docket/files README).
 */
export async function startS3TestServer(): Promise<{
  client: S3Client;
  endpoint: string;
  close(): Promise<void>;
}> {
  const directory = await mkdtemp(join(tmpdir(), "docket-s3rver-"));
  const server = new S3rver({ address: "127.0.0.1", port: 0, silent: true, directory });
  const { port } = await server.run();
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new S3Client({
    endpoint,
    region: "us-east-1",
    forcePathStyle: true,
    credentials: { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" },
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
  });
  return {
    client,
    endpoint,
    async close() {
      client.destroy();
      await server.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}

/** A `StorageFactory` on a fresh s3rver per suite. */
export const s3StorageFactory: StorageFactory = {
  label: "s3 (s3rver)",
  async create() {
    const server = await startS3TestServer();
    return { storage: createS3Storage({ client: server.client }), teardown: () => server.close() };
  },
};
