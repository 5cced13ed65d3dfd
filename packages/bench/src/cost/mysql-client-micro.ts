/**
 * The client-side pieces of a MariaDB claim, timed alone (no server, no socket), this
 * checkout's adapter against a baseline copy (`--baseline <dir of a copy of
 * adapter-mysql/src>`), and mysql2's per-statement costs with and without what round 6
 * removed: the row parser of an 18-column job row with a pass-through `typeCast`
 * function and without one, the per-statement stack capture (`trace`), and per-command
 * options against a plain string. Alternates the variants in blocks and prints the median
 * ns per call: load-independent enough to split the end-to-end CPU per job of
 * `mysql-adapter-cpu.ts`.
 *
 *   pnpm --filter @docket/bench exec tsx src/cost/mysql-client-micro.ts \
 *     --baseline ../adapter-mysql/.tmp/baseline/src
 *
 * Not part of `pnpm bench`; figures go to `results/round6-mysql-cpu.md`.
 */
import { createRequire } from "node:module";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";

const args = process.argv.slice(2);
const baselineDir = resolve(args[args.indexOf("--baseline") + 1] ?? "");
const require = createRequire(import.meta.resolve("@docket/adapter-mysql"));
const mysqlRequire = createRequire(require.resolve("mysql2"));

type Literals = typeof import("../../../adapter-mysql/src/mysql-literals.ts");
type Rows = typeof import("../../../adapter-mysql/src/mysql-rows.ts");
type Sql = typeof import("../../../adapter-mysql/src/mysql-sql.ts");
type Connection = typeof import("../../../adapter-mysql/src/mysql-connection.ts");
const load = async <T>(dir: string, file: string) =>
  (await import(pathToFileURL(`${dir}/${file}`).href)) as T;
const currentDir = resolve(require.resolve("@docket/adapter-mysql"), "..");
const sql = await load<Sql>(currentDir, "mysql-sql.ts");
const literals = {
  baseline: await load<Literals>(baselineDir, "mysql-literals.ts"),
  current: await load<Literals>(currentDir, "mysql-literals.ts"),
};
const rows = {
  baseline: await load<Rows>(baselineDir, "mysql-rows.ts"),
  current: await load<Rows>(currentDir, "mysql-rows.ts"),
};

/** Median ns per call of each variant, alternated in `blocks` blocks of `calls` calls. */
function race(title: string, variants: Record<string, () => unknown>, calls = 20_000, blocks = 15) {
  const times: Record<string, number[]> = {};
  let sink = 0;
  for (let block = 0; block < blocks; block++) {
    for (const [label, fn] of Object.entries(variants)) {
      const at = process.hrtime.bigint();
      for (let i = 0; i < calls; i++) sink += fn() === undefined ? 0 : 1;
      times[label] = [...(times[label] ?? []), Number(process.hrtime.bigint() - at) / calls];
    }
  }
  const line = Object.entries(times)
    .map(([label, list]) => {
      const sorted = list.slice(2).sort((a, b) => a - b);
      return `${label} ${sorted[Math.floor(sorted.length / 2)]!.toFixed(0)} ns`;
    })
    .join(", ");
  console.log(`${title}: ${line}`);
  return sink;
}

// 1. The claim's statement texts with their values inlined (limit 1, one paired success).
const select = sql.selectClaimable("docket_job", 1, { foldedSlots: 4 }, true);
for (const side of ["baseline", "current"] as const) {
  if (
    literals[side].inlineValues(select, [2, "cpu", 1]) !==
    literals.current.inlineValues(select, [2, "cpu", 1])
  ) {
    throw new Error("inlineValues differ");
  }
}
race("inlineValues, SELECT + one success (texts rebuilt per call, as the claim does)", {
  baseline: () => {
    literals.baseline.inlineValues(sql.markOneSucceededGuarded("docket_job"), ["1234", "bench:17"]);
    return literals.baseline.inlineValues(
      sql.selectClaimable("docket_job", 1, { foldedSlots: 4 }, true),
      [2, "cpu", 1],
    );
  },
  current: () => {
    literals.current.inlineValues(sql.markOneSucceededGuarded("docket_job"), ["1234", "bench:17"]);
    return literals.current.inlineValues(
      sql.selectClaimable("docket_job", 1, { foldedSlots: 4 }, true),
      [2, "cpu", 1],
    );
  },
});

// 2. DATETIME text → Date, as every claimed row's three or four dates.
race("parseUtcDateTime", {
  baseline: () => rows.baseline.parseUtcDateTime("2026-12-02 06:50:01.123"),
  current: () => rows.current.parseUtcDateTime("2026-12-02 06:50:01.123"),
});

// 3. mysql2's text row parser for a job row: pass-through typeCast function vs none.
const Packet = mysqlRequire("./lib/packets/packet.js");
const getTextParser = mysqlRequire("./lib/parsers/text_parser.js");
const ConnectionConfig = mysqlRequire("./lib/connection_config.js");
const config = new ConnectionConfig({ uri: "mysql://root@localhost/x" });
const columns: [string, number, number][] = [
  ["id", 8, 63],
  ["name", 253, 45],
  ["data", 252, 45],
  ["priority", 3, 63],
  ["scheduled_at", 12, 63],
  ["handler_timeout", 3, 63],
  ["retry_count", 3, 63],
  ["is_complete", 1, 63],
  ["created_at", 12, 63],
  ["updated_at", 12, 63],
  ["locked_by", 253, 45],
  ["locked_until", 12, 63],
  ["last_error", 252, 45],
  ["completed_at", 12, 63],
  ["failed_at", 12, 63],
  ["cron_expression", 253, 45],
  ["cancelled_at", 12, 63],
  ["docket_now", 12, 63],
];
const fields = columns.map(([name, columnType, characterSet]) => ({
  name,
  columnType,
  characterSet,
  flags: 0,
  decimals: 0,
  encoding: characterSet === 63 ? "binary" : "utf8",
  columnLength: 20,
  schema: "x",
  table: "docket_job",
}));
const values = [
  "1234",
  "cpu",
  '{"a":1}',
  "5",
  "2026-12-02 06:50:01.123",
  null,
  "0",
  "0",
  "2026-12-02 06:50:01.123",
  "2026-12-02 06:50:01.123",
  null,
  null,
  null,
  null,
  null,
  null,
  null,
  "2026-12-02 06:50:01.456",
];
const parts: Buffer[] = [Buffer.alloc(4)];
for (const value of values) {
  if (value === null) parts.push(Buffer.from([0xfb]));
  else parts.push(Buffer.from([Buffer.byteLength(value)]), Buffer.from(value));
}
const rowBuffer = Buffer.concat(parts);
const options = (typeCast: unknown) => ({
  ...ConnectionConfig.queryOptions(config, {}),
  dateStrings: true,
  supportBigNumbers: true,
  bigNumberStrings: true,
  typeCast,
});
const withFunction = options((_field: unknown, next: () => unknown) => next());
const withoutFunction = options(true);
const parseResultSet = (opts: Record<string, unknown>) => {
  const parser = new (getTextParser(fields, opts, config))(fields);
  return parser.next(new Packet(0, rowBuffer, 0, rowBuffer.length), fields, opts);
};
if (
  JSON.stringify(parseResultSet(withFunction)) !== JSON.stringify(parseResultSet(withoutFunction))
) {
  throw new Error("rows differ");
}
race("one result set of one job row (parser lookup + row)", {
  typeCastFunction: () => parseResultSet(withFunction),
  noTypeCast: () => parseResultSet(withoutFunction),
});

// 4. Per statement: the promise API's stack capture (`trace`), at a modest async depth.
function captureStackHolder(): object {
  const holder = {};
  Error.captureStackTrace(holder, captureStackHolder);
  return holder;
}
const deep = (n: number, fn: () => unknown): unknown => (n === 0 ? fn() : deep(n - 1, fn));
race("per statement: stack capture (trace: true) vs none", {
  trace: () => deep(12, captureStackHolder),
  noTrace: () => deep(12, () => undefined),
});

// 5. Per command: options object merged over the connection's settings vs a plain string.
const BaseConnection = mysqlRequire("./lib/base/connection.js");
// The options main's claim passed with every command (still those of every other statement).
const { RESULT_OPTIONS } = await load<Connection>(currentDir, "mysql-connection.ts");
race("per command: createQuery + queryOptions, options object vs string", {
  options: () => {
    const query = BaseConnection.createQuery(
      { ...RESULT_OPTIONS, sql: select },
      undefined,
      () => {},
      config,
    );
    return ConnectionConfig.queryOptions(config, query._queryOptions);
  },
  string: () => {
    const query = BaseConnection.createQuery(select, undefined, () => {}, config);
    return ConnectionConfig.queryOptions(config, query._queryOptions);
  },
});
