// Small shared pieces: the html tag, form fields that show the API's error for their field,
// and the message of an error.
import { html } from "htm/preact";
import { t } from "./i18n.js";

export { html };

let counter = 0;
export const uid = (prefix) => `${prefix}-${++counter}`;

/** A labelled input; `error` is an ApiError, whose reason for `name` is shown beside it. */
export function Field({ label, name, error, value, onInput, type = "text", id: given, ...rest }) {
  const id = given || `f-${name}`;
  const reason = error && error.field ? error.field(name) : null;
  const props = {
    id,
    name,
    value,
    onInput: (e) => onInput(e.currentTarget.value),
    "aria-invalid": reason ? "true" : undefined,
    "aria-describedby": reason ? `${id}-error` : undefined,
    ...rest,
  };
  const control =
    type === "textarea"
      ? html`<textarea ...${props} />`
      : type === "select"
        ? html`<select ...${props}>${rest.children}</select>`
        : html`<input type=${type} ...${props} />`;
  return html`<div class="field">
    <label for=${id}>${label}</label>
    ${control}
    ${reason && html`<p class="field-error" id=${`${id}-error`} role="alert">${reason}</p>`}
  </div>`;
}

/** The error's message, and the reason for each field no input of the form shows. */
export function ErrorNote({ error, shown = [] }) {
  if (!error) return null;
  const others = error.errors.filter((e) => !shown.some((n) => e.field === n || e.field.endsWith(`.${n}`)));
  return html`<div class="error" role="alert">
    <strong>${error.status === 0 ? t("error.network") : error.message}</strong>
    ${error.problems.length > 0 &&
    html`<ul>
      ${error.problems.map((p) => html`<li><code>${p.file}:${p.line ?? "?"}</code> ${p.reason}</li>`)}
    </ul>`}
    ${others.length > 0 &&
    html`<ul>
      ${others.map((e) => html`<li><code>${e.field}</code>: ${e.reason}</li>`)}
    </ul>`}
  </div>`;
}

/** A value as written, in its own script and direction (record content is never translated). */
export function Written({ value }) {
  const items = Array.isArray(value) ? value : [value];
  return html`${items.map((v, i) => html`${i > 0 && ", "}<bdi dir="auto">${String(v)}</bdi>`)}`;
}
