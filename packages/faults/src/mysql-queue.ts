/**
 * MySQL / MariaDB: a fresh table on `DOCKET_MYSQL_URL`. Worker processes connect as a
 * user made for this queue alone (dropped afterwards), so the outage — `KILL` of every
 * connection `information_schema.processlist` shows for that user, round after round for
 * a while (see `killRounds`) — hits them and nobody else testing on the same server.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createMysqlAdapter } from "@docket/adapter-mysql";
import { uniqueTableName } from "@docket/core/testing";
import mysql from "mysql2/promise";
import { type Backend, type FaultQueue, killRounds, tablesOf } from "./fault-queue.ts";

const url = process.env.DOCKET_MYSQL_URL || null;

export const mysqlBackend: Backend = {
  dialect: "mysql",
  url,
  async createQueue(): Promise<FaultQueue> {
    if (url === null) throw new Error("DOCKET_MYSQL_URL is not set");
    const directory = mkdtempSync(join(tmpdir(), "docket-faults-"));
    const tableName = uniqueTableName();
    const admin = mysql.createPool({ uri: url, connectionLimit: 1 });
    const database = decodeURIComponent(new URL(url).pathname.slice(1));
    const user = `faults_${randomBytes(5).toString("hex")}`;
    const password = randomBytes(12).toString("hex");
    await admin.query("CREATE USER ?@'%' IDENTIFIED BY ?", [user, password]);
    await admin.query(`GRANT ALL PRIVILEGES ON \`${database}\`.* TO ?@'%'`, [user]);
    const workerUrl = new URL(url);
    workerUrl.username = user;
    workerUrl.password = password;
    const adapter = createMysqlAdapter({ uri: url, tableName, poolSize: 4 });
    await adapter.migrate();
    return {
      dialect: "mysql",
      target: { dialect: "mysql", uri: workerUrl.toString(), tableName },
      adapter,
      directory,
      outage: () =>
        killRounds(async () => {
          const [rows] = await admin.query<mysql.RowDataPacket[]>(
            "SELECT ID AS id FROM information_schema.PROCESSLIST WHERE USER = ? AND ID <> CONNECTION_ID()",
            [user],
          );
          let killed = 0;
          for (const row of rows) {
            try {
              await admin.query(`KILL CONNECTION ${Number(row.id)}`);
              killed += 1;
            } catch {
              // The connection ended between the list and the kill.
            }
          }
          return killed;
        }),
      async dispose() {
        await adapter.close();
        const tables = tablesOf(tableName)
          .map((table) => `\`${table}\``)
          .join(", ");
        const connection = await admin.getConnection();
        try {
          await connection.query("SET FOREIGN_KEY_CHECKS = 0");
          await connection.query(`DROP TABLE IF EXISTS ${tables}`);
          await connection.query("SET FOREIGN_KEY_CHECKS = 1");
        } finally {
          connection.release();
        }
        await admin.query("DROP USER IF EXISTS ?@'%'", [user]);
        await admin.end();
        rmSync(directory, { recursive: true, force: true });
      },
    };
  },
};
