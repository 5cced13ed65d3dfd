import { existsSync } from "node:fs";

/**
 * Where the Postgres tests find their database: `DOCKET_POSTGRES_URL` when set; otherwise,
 * when a Docker engine is available, a PostgreSQL 15 container started with
 * testcontainers (imported only then); otherwise none, and the suites skip loudly.
 */
export const POSTGRES_URL_VARIABLE = "DOCKET_POSTGRES_URL";

const DOCKER_SOCKET = "/var/run/docker.sock";

/** True when the Postgres suites can run (a URL is set or Docker can start one). */
export function postgresAvailable(): boolean {
  if (process.env[POSTGRES_URL_VARIABLE]) return true;
  if (existsSync(DOCKER_SOCKET) || process.env.DOCKER_HOST) return true;
  console.warn(
    `\n!!! Postgres tests SKIPPED: ${POSTGRES_URL_VARIABLE} is not set and no Docker engine ` +
      `was found (${DOCKER_SOCKET}). Set ${POSTGRES_URL_VARIABLE}=postgres://… to run them.\n`,
  );
  return false;
}

let urlPromise: Promise<string> | null = null;

/** The connection URL, starting a container on first use when no URL is configured. */
export function postgresUrl(): Promise<string> {
  urlPromise ??= resolveUrl();
  return urlPromise;
}

async function resolveUrl(): Promise<string> {
  const configured = process.env[POSTGRES_URL_VARIABLE];
  if (configured) return configured;
  const { GenericContainer, Wait } = await import("testcontainers");
  const container = await new GenericContainer("postgres:15")
    .withEnvironment({ POSTGRES_HOST_AUTH_METHOD: "trust", POSTGRES_DB: "test" })
    .withExposedPorts(5432)
    .withWaitStrategy(Wait.forLogMessage(/database system is ready to accept connections/, 2))
    .start();
  // Ryuk removes the container when the test process exits.
  return `postgres://postgres@${container.getHost()}:${container.getMappedPort(5432)}/test`;
}
