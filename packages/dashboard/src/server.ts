import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { StorageAdapter } from "@docket/core";
import { invalidOption } from "@docket/core/adapter";
import { createDashboardHandler } from "./handler.ts";
import {
  assertDashboardAdapter,
  type DashboardOptions,
  resolveDashboardOptions,
} from "./options.ts";

export interface DashboardServerOptions extends DashboardOptions {
  adapter: StorageAdapter;
  /** TCP port; 0 picks a free one (read it from the result). Default 0. */
  port?: number;
  /**
   * Interface to listen on. Default `"127.0.0.1"`: only this machine can connect. Bind a
   * public interface only behind `authorize` (and TLS in front).
   */
  host?: string;
}

export interface DashboardServer {
  readonly server: Server;
  readonly port: number;
  readonly host: string;
  /** `http://host:port` + base path. */
  readonly url: string;
  /** Stops accepting connections and closes idle ones; never closes the adapter. */
  close(): Promise<void>;
}

/** Starts a `node:http` server that serves only the dashboard. */
export async function startDashboardServer(
  options: DashboardServerOptions,
): Promise<DashboardServer> {
  if (typeof options !== "object" || options === null) {
    throw invalidOption("options", "an object", options);
  }
  const { adapter, port = 0, host = "127.0.0.1", ...handlerOptions } = options;
  assertDashboardAdapter(adapter);
  if (typeof port !== "number" || !Number.isInteger(port) || port < 0 || port > 65_535) {
    throw invalidOption("options.port", "an integer from 0 to 65535", port);
  }
  if (typeof host !== "string" || host === "") {
    throw invalidOption("options.host", "a host name or address", host);
  }
  const basePath = resolveDashboardOptions(handlerOptions).basePath;
  const handler = createDashboardHandler(adapter, handlerOptions);
  const server = createServer((req, res) => handler(req, res));
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const shownHost = address.family === "IPv6" ? `[${address.address}]` : address.address;
  return {
    server,
    port: address.port,
    host: address.address,
    url: `http://${shownHost}:${address.port}${basePath}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeIdleConnections();
      }),
  };
}
