import { existsSync } from "node:fs";

/**
 * Where the MySQL tests find their database: `DOCKET_MYSQL_URL` when set; otherwise,
 * when a Docker engine is available, a MariaDB 10.11 container started with
 * testcontainers (imported only then); otherwise none, and the suites skip loudly.
 */
export const MYSQL_URL_VARIABLE = "DOCKET_MYSQL_URL";

const DOCKER_SOCKET = "/var/run/docker.sock";

/** True when the MySQL suites can run (a URL is set or Docker can start a server). */
export function mysqlAvailable(): boolean {
  if (process.env[MYSQL_URL_VARIABLE]) return true;
  if (existsSync(DOCKER_SOCKET) || process.env.DOCKER_HOST) return true;
  console.warn(
    `\n!!! MySQL/MariaDB tests SKIPPED: ${MYSQL_URL_VARIABLE} is not set and no Docker engine ` +
      `was found (${DOCKER_SOCKET}). Set ${MYSQL_URL_VARIABLE}=mysql://… to run them.\n`,
  );
  return false;
}

let urlPromise: Promise<string> | null = null;

/** The connection URL, starting a container on first use when no URL is configured. */
export function mysqlUrl(): Promise<string> {
  urlPromise ??= resolveUrl();
  return urlPromise;
}

async function resolveUrl(): Promise<string> {
  const configured = process.env[MYSQL_URL_VARIABLE];
  if (configured) return configured;
  const { GenericContainer, Wait } = await import("testcontainers");
  const container = await new GenericContainer("mariadb:10.11")
    .withEnvironment({ MARIADB_ALLOW_EMPTY_ROOT_PASSWORD: "1", MARIADB_DATABASE: "test" })
    .withExposedPorts(3306)
    .withWaitStrategy(Wait.forLogMessage(/ready for connections/, 2))
    .start();
  // Ryuk removes the container when the test process exits.
  return `mysql://root@${container.getHost()}:${container.getMappedPort(3306)}/test`;
}
