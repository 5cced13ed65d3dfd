import { describe, expect, it } from "vitest";
import { escapeHtml, html, joinHtml, SafeHtml } from "../src/html.ts";

describe("html", () => {
  it("escapes every interpolated value, in text and in attributes", () => {
    const name = `<script>alert("x")</script>&'\``;
    const out = html`<a title="${name}">${name}</a>`.value;
    expect(out).toBe(
      '<a title="&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&#39;&#96;">' +
        "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&#39;&#96;</a>",
    );
  });

  it("keeps SafeHtml, joins lists and drops null, undefined and false", () => {
    const inner = html`<b>${"<i>"}</b>`;
    expect(html`${inner}${["a", inner]}${null}${undefined}${false}${0}`.value).toBe(
      "<b>&lt;i&gt;</b>a<b>&lt;i&gt;</b>0",
    );
    expect(joinHtml(["<", new SafeHtml("<br>")]).value).toBe("&lt;<br>");
    expect(escapeHtml("plain")).toBe("plain");
  });
});
