import { serverDatabase } from "@docket/core/testing";

/**
 * The MySQL test database: `DOCKET_MYSQL_URL` when set; otherwise, when a Docker engine is
 * available, a MariaDB 10.11 container started with testcontainers; otherwise none, and
 * the suites skip loudly.
 */
export const mysqlDatabase = serverDatabase({
  label: "MySQL/MariaDB",
  variable: "DOCKET_MYSQL_URL",
  async startContainer() {
    const { GenericContainer, Wait } = await import("testcontainers");
    const container = await new GenericContainer("mariadb:10.11")
      .withEnvironment({ MARIADB_ALLOW_EMPTY_ROOT_PASSWORD: "1", MARIADB_DATABASE: "test" })
      .withExposedPorts(3306)
      .withWaitStrategy(Wait.forLogMessage(/ready for connections/, 2))
      .start();
    // Ryuk removes the container when the test process exits.
    return `mysql://root@${container.getHost()}:${container.getMappedPort(3306)}/test`;
  },
});

export const { available: mysqlAvailable, url: mysqlUrl } = mysqlDatabase;
