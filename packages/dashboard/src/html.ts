/**
 * HTML that is safe to write into a page. Every page is built with the `html` tag below,
 * which escapes each interpolated value unless it is already `SafeHtml`, so job names,
 * data and error text can never become markup (README.md, "Security").
 */
export class SafeHtml {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

const ESCAPES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
  "`": "&#96;",
};

/** Escapes text for an element body or a quoted attribute value. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"'`]/g, (char) => ESCAPES[char] ?? char);
}

/** Values the `html` tag accepts: text is escaped, `SafeHtml` kept, lists joined, nothing dropped. */
export type HtmlValue = SafeHtml | string | number | boolean | null | undefined | HtmlValue[];

function render(value: HtmlValue): string {
  if (value instanceof SafeHtml) return value.value;
  if (Array.isArray(value)) return value.map(render).join("");
  if (value === null || value === undefined || value === false) return "";
  return escapeHtml(String(value));
}

/** Tagged template: `html\`<td>${job.name}</td>\`` escapes `job.name`. */
export function html(strings: TemplateStringsArray, ...values: HtmlValue[]): SafeHtml {
  let out = strings[0] ?? "";
  for (let i = 0; i < values.length; i++) {
    out += render(values[i] as HtmlValue) + (strings[i + 1] ?? "");
  }
  return new SafeHtml(out);
}

/** Joins fragments, escaping any plain text among them. */
export function joinHtml(parts: readonly HtmlValue[]): SafeHtml {
  return new SafeHtml(parts.map(render).join(""));
}
