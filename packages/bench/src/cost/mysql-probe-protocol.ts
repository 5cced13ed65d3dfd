/**
 * The MariaDB priorities probe (`selectPriorities`), prepared (COM_STMT_EXECUTE) against
 * plain text (COM_QUERY), timed at the client while a Docket worker drains due jobs at
 * concurrency 10; also the bare GROUP BY without the clock join, and the server's own
 * time for the probe (`ANALYZE FORMAT=JSON`, summed `r_total_time_ms`). With `--deep` the
 * table first gets the bench's deep fill at scale 0.25 (50,000 rows of history marked
 * complete by one UPDATE, 25,000 rows a day ahead).
 *
 *   pnpm --filter @docket/bench exec tsx src/cost/mysql-probe-protocol.ts [--deep]
 *
 * Not part of `pnpm bench`.
 */
import { createMysqlAdapter } from "@docket/adapter-mysql";
import type { Pool } from "mysql2/promise";
import { selectPriorities } from "../../../adapter-mysql/src/mysql-sql.ts";
import { drainWithWorker, dropTables, fillDeepTable } from "./mysql-deep-fixture.ts";

const DUE = 1250;
const deep = process.argv.includes("--deep");
const url = process.env.DOCKET_MYSQL_URL ?? "mysql://root@127.0.0.1:3306/test";
const table = `pp_${process.pid}`;
const adapter = createMysqlAdapter({ uri: url, tableName: table });
const pool = adapter.db as Pool;

async function main(): Promise<void> {
  await adapter.migrate();
  await fillDeepTable(
    adapter,
    table,
    deep ? { history: 50_000, future: 25_000, due: DUE } : { history: 0, future: 0, due: DUE },
    "probe",
  );
  const probe = selectPriorities(table);
  const bare =
    "SELECT priority, MIN(scheduled_at) <= UTC_TIMESTAMP(3) AS due, " +
    `MAX(scheduled_at) > UTC_TIMESTAMP(3) AS future FROM ${table} WHERE is_complete = 0 ` +
    "GROUP BY is_complete, priority ORDER BY priority LIMIT 65";
  const samples: Record<string, number[]> = {
    preparedProbe: [],
    textProbe: [],
    textBareGroupBy: [],
    serverTimeOfProbe: [],
  };
  const timed = async (key: string, send: () => Promise<unknown>) => {
    const t0 = performance.now();
    await send();
    samples[key]!.push(performance.now() - t0);
  };
  let draining = true;
  const sampling = (async () => {
    while (draining) {
      await timed("preparedProbe", () => pool.execute(probe));
      await timed("textProbe", () => pool.query(probe));
      await timed("textBareGroupBy", () => pool.query(bare));
      const [plan] = await pool.query(`ANALYZE FORMAT=JSON ${probe}`);
      const times = [...JSON.stringify(plan).matchAll(/r_total_time_ms\\":\s*([0-9.e-]+)/g)];
      samples.serverTimeOfProbe!.push(times.reduce((sum, match) => sum + Number(match[1]), 0));
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  })();
  const { wallMs } = await drainWithWorker(adapter, "probe", DUE);
  draining = false;
  await sampling;
  const summary = Object.fromEntries(
    Object.entries(samples).map(([key, values]) => {
      values.sort((a, b) => a - b);
      const at = (q: number) => +(values[Math.floor(values.length * q)] ?? 0).toFixed(2);
      return [key, { samples: values.length, medianMs: at(0.5), p90Ms: at(0.9) }];
    }),
  );
  console.log(
    JSON.stringify({ deep, drainJobsPerSecond: Math.round((DUE / wallMs) * 1000), ...summary }),
  );
}

main()
  .finally(async () => {
    await dropTables(pool, table);
    await adapter.close();
  })
  .then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
