import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

export interface StaticAsset {
  contentType: string;
  body: Buffer;
}

/**
 * The files the pages load, read once when the handler is created: htmx from the
 * `htmx.org` package (served from here, never from a CDN) and the dashboard's own
 * stylesheet, small script and icon from `assets/`.
 */
export function loadStaticAssets(): ReadonlyMap<string, StaticAsset> {
  const require = createRequire(import.meta.url);
  const own = (file: string) => readFileSync(new URL(`../assets/${file}`, import.meta.url));
  return new Map<string, StaticAsset>([
    [
      "htmx.min.js",
      {
        contentType: "text/javascript; charset=utf-8",
        body: readFileSync(require.resolve("htmx.org/dist/htmx.min.js")),
      },
    ],
    ["dashboard.js", { contentType: "text/javascript; charset=utf-8", body: own("dashboard.js") }],
    ["dashboard.css", { contentType: "text/css; charset=utf-8", body: own("dashboard.css") }],
    ["favicon.svg", { contentType: "image/svg+xml", body: own("favicon.svg") }],
  ]);
}
