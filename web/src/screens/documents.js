// Document check for border posts and private-sector checkers: type or paste an MRZ (or the
// number and issuing state); the answer is large and unmistakable — HIT with what to do, or
// NO HIT. A batch is checked from a file; a file too large or of the wrong type is refused
// before anything is sent.
import { useState } from "preact/hooks";
import { post } from "../api.js";
import { formatNumber, t } from "../i18n.js";
import { ErrorNote, Field, html } from "../ui.js";

/** What the node accepts in one request body (ACCORD_MAX_BODY_BYTES' default). */
export const MAX_FILE_BYTES = 10 * 1024 * 1024;
const FILE_TYPES = [".csv", ".txt"];

export function DocumentCheck({ allowed }) {
  const [mrz, setMrz] = useState("");
  const [number, setNumber] = useState("");
  const [country, setCountry] = useState("");
  const [answer, setAnswer] = useState(null);
  const [error, setError] = useState(null);

  async function check(event) {
    event.preventDefault();
    setError(null);
    setAnswer(null);
    const lines = mrz.split(/\r?\n/).map((l) => l.trim()).filter(Boolean);
    const body = lines.length > 0 ? { mrz: lines } : { number, country };
    try {
      setAnswer(await post("/documents/check", body));
    } catch (err) {
      setError(err);
    }
  }

  return html`<section aria-labelledby="doc-title">
    <h1 id="doc-title">${t("documents.title")}</h1>
    <form class="doc-form" onSubmit=${check}>
      <${Field} label=${t("documents.mrz")} name="mrz" type="textarea" rows="3" value=${mrz}
        onInput=${setMrz} error=${error} spellcheck="false" class="mrz" />
      <p class="hint">${t("documents.or")}</p>
      <div class="row">
        <${Field} label=${t("documents.number")} name="number" value=${number} onInput=${setNumber} error=${error} />
        <${Field} label=${t("documents.country")} name="country" value=${country} onInput=${setCountry}
          error=${error} maxlength="3" />
      </div>
      <${ErrorNote} error=${error} shown=${["mrz", "number", "country"]} />
      <button type="submit">${t("documents.check")}</button>
    </form>
    <div aria-live="assertive">
      ${answer &&
      (answer.hit
        ? html`<div class="verdict hit" role="alert" data-verdict="hit">
            <p class="big">${t("documents.hit")}</p>
            <p class="action">${answer.action.instruction}</p>
            <p class="muted"><code>${answer.action.code}</code></p>
          </div>`
        : html`<div class="verdict no-hit" role="status" data-verdict="no-hit">
            <p class="big">${t("documents.no_hit")}</p>
          </div>`)}
    </div>
    ${allowed.has("POST /api/v1/documents/check-batch") && html`<${Batch} />`}
  </section>`;
}

/** One document a line: `NUMBER,COUNTRY[,TYPE]` (CSV), or MRZ lines with a blank line between. */
export function parseBatch(text) {
  const items = [];
  const blocks = text.split(/\r?\n\s*\r?\n/);
  for (const block of blocks) {
    const lines = block.split(/\r?\n/).map((l) => l.trim()).filter(Boolean);
    if (lines.length === 0) continue;
    if (lines.every((l) => l.length >= 30 && !l.includes(","))) {
      items.push({ mrz: lines });
      continue;
    }
    for (const line of lines) {
      const [num, ctry, type] = line.split(",").map((c) => c.trim());
      if (!num || num.toLowerCase() === "number") continue;
      items.push(type ? { number: num, country: ctry, type } : { number: num, country: ctry });
    }
  }
  return items;
}

function Batch() {
  const [results, setResults] = useState(null);
  const [refusal, setRefusal] = useState(null);
  const [error, setError] = useState(null);

  async function chosen(event) {
    const file = event.currentTarget.files[0];
    setResults(null);
    setError(null);
    setRefusal(null);
    if (!file) return;
    const name = file.name.toLowerCase();
    if (!FILE_TYPES.some((ext) => name.endsWith(ext))) {
      setRefusal(t("documents.wrong_type", { types: FILE_TYPES.join(", ") }));
      return;
    }
    if (file.size > MAX_FILE_BYTES) {
      setRefusal(t("documents.too_large", { size: formatNumber(MAX_FILE_BYTES / 1024 / 1024) }));
      return;
    }
    const items = parseBatch(await file.text());
    if (items.length === 0) {
      setRefusal(t("documents.empty_file"));
      return;
    }
    try {
      const answer = await post("/documents/check-batch", { items });
      setResults({ items, answers: answer.results });
    } catch (err) {
      setError(err);
    }
  }

  const hits = results ? results.answers.filter((r) => r.hit).length : 0;
  return html`<section aria-labelledby="batch-title" class="batch">
    <h2 id="batch-title">${t("documents.batch")}</h2>
    <p class="hint">${t("documents.batch_hint")}</p>
    <label for="batch-file">${t("documents.file")}</label>
    <input id="batch-file" type="file" accept=${FILE_TYPES.join(",")} onChange=${chosen} />
    ${refusal && html`<p class="error" role="alert">${refusal}</p>`}
    <${ErrorNote} error=${error} />
    ${results &&
    html`<p role="status"><strong>${t("documents.batch_summary", { hits: formatNumber(hits), total: formatNumber(results.answers.length) })}</strong></p>
      <table class="table">
        <thead><tr><th scope="col">#</th><th scope="col">${t("documents.number")}</th><th scope="col">${t("documents.answer")}</th></tr></thead>
        <tbody>
          ${results.answers.map((r, i) => {
            const item = results.items[i];
            return html`<tr class=${r.hit ? "hit-row" : ""}>
              <td>${formatNumber(i + 1)}</td>
              <td><code>${item.number || item.mrz[1].slice(0, 9)}</code></td>
              <td>${r.errors
                ? r.errors.map((e) => html`<span class="field-error">${e.field}: ${e.reason}</span> `)
                : r.hit
                  ? html`<strong class="hit-text">${t("documents.hit")}</strong> ${r.action.instruction}`
                  : t("documents.no_hit")}</td>
            </tr>`;
          })}
        </tbody>
      </table>`}
  </section>`;
}
