/**
 * `node --import tsx sqlite-lock-holder.ts <file> <holdMs>`: takes SQLite's write lock
 * with `BEGIN IMMEDIATE`, holds it for `holdMs`, commits, prints `released` and exits —
 * another process taking the database away from the workers for a while.
 */
import Database from "better-sqlite3";

const [filename, holdMs] = process.argv.slice(2);
const db = new Database(filename!, { timeout: 30_000 });
db.exec("BEGIN IMMEDIATE");
process.stdout.write("locked\n");
setTimeout(() => {
  db.exec("COMMIT");
  db.close();
  process.stdout.write("released\n");
  process.exit(0);
}, Number(holdMs));
