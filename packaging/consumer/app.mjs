// A plain JavaScript application using Docket from installed packages, run by the pack
// test (packaging/packed-install.pack.ts) with `node app.mjs <sqlite|postgres|mysql>
// <file-or-url>` on Node, without tsx. It migrates, enqueues jobs, registers cron jobs
// (one of them the built-in jobQueueInsights), runs a worker until every job ran, and
// exits 0 only then; 1 on any failure or after 60 s.
import { queueWorkerAddJobs, queueWorkerCreate, queueWorkerRegisterCronJobs } from "@docket/core";
import { jobQueueInsights } from "@docket/jobs-builtin";

const [database, target] = process.argv.slice(2);
const JOB_COUNT = 5;
// Postgres and MariaDB are shared with other test runs: this run's own tables.
const tableName = `docket_pack_${process.pid}_${Date.now().toString(36)}`;
const say = (line) => console.log(`[${database}] ${line}`);

async function createAdapter() {
  if (database === "sqlite") {
    const { createSqliteAdapter } = await import("@docket/adapter-sqlite");
    return createSqliteAdapter({ filename: target, tableName });
  }
  if (database === "postgres") {
    const { createPostgresAdapter } = await import("@docket/adapter-postgres");
    return createPostgresAdapter({ connectionString: target, tableName });
  }
  if (database === "mysql") {
    const { createMysqlAdapter } = await import("@docket/adapter-mysql");
    return createMysqlAdapter({ uri: target, tableName });
  }
  throw new Error(`usage: node app.mjs <sqlite|postgres|mysql> <file-or-url>, got: ${database}`);
}

/** Drops this run's tables (`<tableName>` and `<tableName>_*`) on the shared servers. */
async function dropTables(adapter) {
  if (database === "postgres") {
    const { rows } = await adapter.db.query(
      "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() AND tablename LIKE $1",
      [`${tableName}%`],
    );
    for (const row of rows) await adapter.db.query(`DROP TABLE IF EXISTS "${row.tablename}"`);
  } else if (database === "mysql") {
    const [rows] = await adapter.db.query(
      "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name LIKE ?",
      [`${tableName}%`],
    );
    for (const row of rows) await adapter.db.query(`DROP TABLE IF EXISTS \`${row.name}\``);
  }
}

const adapter = await createAdapter();
let worker;
const deadline = setTimeout(() => {
  console.error(`[${database}] timed out: the jobs did not all run within 60 s`);
  process.exit(1);
}, 60_000);
try {
  await adapter.migrate();
  say(`migrated table ${tableName}`);

  const ids = await queueWorkerAddJobs(
    adapter,
    Array.from({ length: JOB_COUNT }, (_, i) => ({
      name: "pack.greet",
      data: { n: i + 1 },
      priority: JOB_COUNT - i,
    })),
  );
  say(`enqueued ${ids.length} jobs`);
  await queueWorkerRegisterCronJobs(adapter, {
    jobs: [
      { name: "pack.tick", cronExpression: "* * * * * *" },
      { name: "compas.queue.insights", cronExpression: "* * * * * *" },
    ],
  });
  say("registered cron jobs pack.tick and compas.queue.insights (every second)");

  const greeted = [];
  let ticks = 0;
  let insights;
  let allRan;
  const done = new Promise((resolve) => {
    allRan = resolve;
  });
  const check = () => {
    if (greeted.length === JOB_COUNT && ticks > 0 && insights !== undefined) allRan();
  };
  const insightsHandler = jobQueueInsights();
  worker = queueWorkerCreate(adapter, {
    pollInterval: 100,
    parallelCount: 2,
    logger: { info: () => {}, error: (entry) => console.error(JSON.stringify(entry)) },
    handler: {
      "pack.greet": async (_event, _db, job) => {
        greeted.push(job.data.n);
        check();
      },
      "pack.tick": async () => {
        ticks += 1;
        check();
      },
      "compas.queue.insights": async (...args) => {
        insights = await insightsHandler(...args);
        check();
      },
    },
  });
  worker.start();
  await done;
  await worker.stop();
  worker = undefined;
  say(`ran pack.greet for n = ${greeted.join(", ")}`);
  say(`ran the cron job pack.tick ${ticks} time(s)`);
  say(`jobQueueInsights: ${JSON.stringify(insights)}`);
  say("ok");
} catch (error) {
  console.error(`[${database}] failed:`, error);
  process.exitCode = 1;
} finally {
  clearTimeout(deadline);
  await worker?.stop();
  await dropTables(adapter).catch((error) => console.error("could not drop tables:", error));
  await adapter.close();
}
