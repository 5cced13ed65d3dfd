import { formatCount, formatUtc } from "./format.ts";
import { html, type SafeHtml } from "./html.ts";

export interface ActivityBucket {
  at: Date;
  completed: number;
  failed: number;
}

/** The chart covers the last hour in one-minute buckets. */
export const ACTIVITY_BUCKET_MS = 60_000;
export const ACTIVITY_BUCKETS = 60;

/** The first bucket's start: the last bucket is the current (partial) minute. */
export function activitySince(now: Date): Date {
  const currentMinute = Math.floor(now.getTime() / ACTIVITY_BUCKET_MS) * ACTIVITY_BUCKET_MS;
  return new Date(currentMinute - (ACTIVITY_BUCKETS - 1) * ACTIVITY_BUCKET_MS);
}

const WIDTH = 720;
const HEIGHT = 160;
const LEFT = 44;
const BOTTOM = 22;
const TOP = 8;

/**
 * A stacked bar chart of finished jobs per minute (completed below, failed on top),
 * rendered on the server as SVG: no chart library, no script, styled by dashboard.css.
 * Buckets missing from `buckets` are empty minutes.
 */
export function activityChart(buckets: readonly ActivityBucket[], since: Date): SafeHtml {
  const counts = Array.from({ length: ACTIVITY_BUCKETS }, () => ({ completed: 0, failed: 0 }));
  for (const bucket of buckets) {
    const index = Math.floor((bucket.at.getTime() - since.getTime()) / ACTIVITY_BUCKET_MS);
    const slot = counts[index];
    if (slot === undefined) continue;
    slot.completed += bucket.completed;
    slot.failed += bucket.failed;
  }
  const totalCompleted = counts.reduce((sum, c) => sum + c.completed, 0);
  const totalFailed = counts.reduce((sum, c) => sum + c.failed, 0);
  const max = Math.max(1, ...counts.map((c) => c.completed + c.failed));
  const plotHeight = HEIGHT - BOTTOM - TOP;
  const slotWidth = (WIDTH - LEFT) / ACTIVITY_BUCKETS;
  const barWidth = Math.max(1, slotWidth - 2);
  const scale = (value: number) => (value / max) * plotHeight;
  const bars = counts.map((count, index) => {
    if (count.completed + count.failed === 0) return html``;
    const x = (LEFT + index * slotWidth + 1).toFixed(1);
    const completedHeight = scale(count.completed);
    const failedHeight = scale(count.failed);
    const baseY = HEIGHT - BOTTOM;
    const minute = formatUtc(new Date(since.getTime() + index * ACTIVITY_BUCKET_MS)).slice(11, 16);
    return html`<g><title>${minute} UTC: ${count.completed} completed, ${count.failed} failed</title>${
      count.completed > 0
        ? html`<rect class="bar-completed" x="${x}" y="${(baseY - completedHeight).toFixed(1)}" width="${barWidth.toFixed(1)}" height="${completedHeight.toFixed(1)}"></rect>`
        : ""
    }${
      count.failed > 0
        ? html`<rect class="bar-failed" x="${x}" y="${(baseY - completedHeight - failedHeight).toFixed(1)}" width="${barWidth.toFixed(1)}" height="${failedHeight.toFixed(1)}"></rect>`
        : ""
    }</g>`;
  });
  const xLabel = (index: number, text: string, anchor: string) =>
    html`<text class="axis" x="${(LEFT + index * slotWidth).toFixed(1)}" y="${HEIGHT - 6}" text-anchor="${anchor}">${text}</text>`;
  return html`<figure class="chart">
<svg viewBox="0 0 ${WIDTH} ${HEIGHT}" role="img" aria-labelledby="activity-title">
<title id="activity-title">Jobs finished per minute in the last hour: ${totalCompleted} completed, ${totalFailed} failed</title>
<line class="grid" x1="${LEFT}" y1="${TOP}" x2="${WIDTH}" y2="${TOP}"></line>
<line class="grid" x1="${LEFT}" y1="${TOP + plotHeight / 2}" x2="${WIDTH}" y2="${TOP + plotHeight / 2}"></line>
<line class="baseline" x1="${LEFT}" y1="${HEIGHT - BOTTOM}" x2="${WIDTH}" y2="${HEIGHT - BOTTOM}"></line>
<text class="axis" x="${LEFT - 6}" y="${TOP + 4}" text-anchor="end">${formatCount(max)}</text>
<text class="axis" x="${LEFT - 6}" y="${HEIGHT - BOTTOM}" text-anchor="end">0</text>
${bars}
${xLabel(0, "-60 min", "start")}${xLabel(30, "-30 min", "middle")}${xLabel(ACTIVITY_BUCKETS, "now", "end")}
</svg>
<figcaption><span class="key key-completed"></span>${formatCount(totalCompleted)} completed
<span class="key key-failed"></span>${formatCount(totalFailed)} failed <span class="muted">in the last hour, per minute (UTC)</span></figcaption>
</figure>`;
}
