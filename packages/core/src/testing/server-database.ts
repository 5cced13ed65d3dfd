import { existsSync } from "node:fs";
import { describe } from "vitest";

const DOCKER_SOCKET = "/var/run/docker.sock";

/** Where a client-server database's tests find it. */
export interface ServerDatabase {
  /** True when the tests can run (a URL is set or Docker can start a server). */
  available(): boolean;
  /** The connection URL, starting a container on first use when no URL is configured. */
  url(): Promise<string>;
  /** `describe`, or `describe.skip` (after a loud notice) when no database is available. */
  readonly describe: typeof describe;
}

/**
 * The test database named by the environment variable `variable` when set; otherwise,
 * when a Docker engine is available, the one `startContainer` starts (it imports
 * testcontainers only then); otherwise none, and the suites skip loudly.
 */
export function serverDatabase(options: {
  label: string;
  variable: string;
  startContainer(): Promise<string>;
}): ServerDatabase {
  const { label, variable } = options;
  let urlPromise: Promise<string> | null = null;
  let warned = false;
  const available = () => {
    if (process.env[variable]) return true;
    if (existsSync(DOCKER_SOCKET) || process.env.DOCKER_HOST) return true;
    if (!warned) {
      warned = true;
      console.warn(
        `\n!!! ${label} tests SKIPPED: ${variable} is not set and no Docker engine was found ` +
          `(${DOCKER_SOCKET}). Set ${variable}=… to run them.\n`,
      );
    }
    return false;
  };
  return {
    available,
    url() {
      urlPromise ??= Promise.resolve(process.env[variable] || options.startContainer());
      return urlPromise;
    },
    describe: available() ? describe : (describe.skip as typeof describe),
  };
}
