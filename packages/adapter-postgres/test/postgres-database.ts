import { serverDatabase } from "@docket/core/testing";

/**
 * The Postgres test database: `DOCKET_POSTGRES_URL` when set; otherwise, when a Docker
 * engine is available, a PostgreSQL 15 container started with testcontainers; otherwise
 * none, and the suites skip loudly.
 */
export const postgresDatabase = serverDatabase({
  label: "Postgres",
  variable: "DOCKET_POSTGRES_URL",
  async startContainer() {
    const { GenericContainer, Wait } = await import("testcontainers");
    const container = await new GenericContainer("postgres:15")
      .withEnvironment({ POSTGRES_HOST_AUTH_METHOD: "trust", POSTGRES_DB: "test" })
      .withExposedPorts(5432)
      .withWaitStrategy(Wait.forLogMessage(/database system is ready to accept connections/, 2))
      .start();
    // Ryuk removes the container when the test process exits.
    return `postgres://postgres@${container.getHost()}:${container.getMappedPort(5432)}/test`;
  },
});

export const { available: postgresAvailable, url: postgresUrl } = postgresDatabase;
