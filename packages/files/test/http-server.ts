import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { DocketError, type StorageAdapter } from "@docket/core";
import { fileGet } from "../src/file-read.ts";
import type { ObjectStorage } from "../src/object-storage.ts";
import { fileSendResponse } from "../src/send-file.ts";
import { fileSendTransformedImageResponse } from "../src/send-transformed-image.ts";

/**
 * A real node:http server for the send tests: `/<id>` sends the file, `/<id>?w=&q=` the
 * transformed image; `?cache=` sets Cache-Control. Typed errors become 400/404 with the
 * error code in `x-error-code`.
 */
export async function startFileServer(
  adapter: StorageAdapter,
  storage: ObjectStorage,
): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer(async (req, res) => {
    try {
      const url = new URL(req.url ?? "/", "http://localhost");
      const file = await fileGet(adapter, url.pathname.slice(1));
      const cache = url.searchParams.get("cache");
      const sendOptions = cache === null ? {} : { cacheControlHeader: cache };
      if (url.searchParams.has("w")) {
        const q = url.searchParams.get("q");
        await fileSendTransformedImageResponse(adapter, storage, req, res, file, {
          ...sendOptions,
          w: url.searchParams.get("w") ?? "",
          ...(q === null ? {} : { q }),
          allowedWidths: [10, 20, 64, 100, 99_999],
        });
      } else {
        await fileSendResponse(req, res, storage, file, sendOptions);
      }
    } catch (error) {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      const code = error instanceof DocketError ? error.code : "internal";
      res.statusCode = code === "file_not_found" ? 404 : code === "internal" ? 500 : 400;
      res.setHeader("x-error-code", code);
      res.setHeader("x-error-field", error instanceof DocketError ? (error.field ?? "") : "");
      res.end(String(error));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
