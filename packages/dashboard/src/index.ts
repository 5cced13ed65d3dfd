export type { DashboardHandler } from "./handler.ts";
export { createDashboardHandler } from "./handler.ts";
export { escapeHtml } from "./html.ts";
export type { DashboardOptions } from "./options.ts";
export { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from "./options.ts";
export type { DashboardServer, DashboardServerOptions } from "./server.ts";
export { startDashboardServer } from "./server.ts";
