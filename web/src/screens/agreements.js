// Agreements in force, and the what-if simulation of a draft: how many of this node's
// records would flow to each party in each mode, on a given day. Nothing is loaded.
import { useEffect, useState } from "preact/hooks";
import { call, get } from "../api.js";
import { formatDate, formatNumber, t } from "../i18n.js";
import { ErrorNote, Field, html } from "../ui.js";

export function Agreements({ allowed }) {
  const [agreements, setAgreements] = useState([]);
  const [error, setError] = useState(null);
  useEffect(() => {
    get("/agreements").then(setAgreements, setError);
  }, []);
  return html`<section aria-labelledby="agr-title">
    <h1 id="agr-title">${t("agreements.title")}</h1>
    <${ErrorNote} error=${error} />
    <table class="table">
      <thead><tr>
        <th scope="col">${t("agreements.agreement")}</th><th scope="col">${t("agreements.parties")}</th>
        <th scope="col">${t("agreements.valid")}</th><th scope="col">${t("agreements.file")}</th>
      </tr></thead>
      <tbody>
        ${agreements.map(
          (a) => html`<tr>
            <td><strong>${a.title}</strong><br /><code>${a.id}</code> v${a.version}</td>
            <td>${a.parties.join(" ↔ ")}</td>
            <td>${formatDate(a.valid_from)} – ${a.valid_until ? formatDate(a.valid_until) : "…"}</td>
            <td><code>${a.file}</code></td>
          </tr>`,
        )}
      </tbody>
    </table>
    ${allowed.has("POST /api/v1/policy/simulate") && html`<${Simulation} />`}
  </section>`;
}

function Simulation() {
  const [text, setText] = useState("");
  const [on, setOn] = useState("");
  const [report, setReport] = useState(null);
  const [error, setError] = useState(null);

  async function loadFile(event) {
    const file = event.currentTarget.files[0];
    if (file) setText(await file.text());
  }

  async function simulate(event) {
    event.preventDefault();
    setError(null);
    setReport(null);
    const query = on ? `?on=${encodeURIComponent(on)}` : "";
    try {
      setReport(await call("POST", `/policy/simulate${query}`, text, "application/yaml"));
    } catch (err) {
      setError(err);
    }
  }

  return html`<section aria-labelledby="sim-title" class="card">
    <h2 id="sim-title">${t("agreements.simulate")}</h2>
    <p class="hint">${t("agreements.simulate_hint")}</p>
    <form onSubmit=${simulate}>
      <label for="draft-file">${t("agreements.draft_file")}</label>
      <input id="draft-file" type="file" accept=".yaml,.yml" onChange=${loadFile} />
      <${Field} label=${t("agreements.draft")} name="text" type="textarea" rows="10" value=${text}
        onInput=${setText} required error=${error} spellcheck="false" class="code" />
      <${Field} label=${t("agreements.on")} name="on" type="date" value=${on} onInput=${setOn} error=${error} />
      <${ErrorNote} error=${error} shown=${["on"]} />
      <button type="submit">${t("agreements.run")}</button>
    </form>
    ${report &&
    html`<div role="status" class="simulation">
      <p>${t("agreements.judged", { day: formatDate(report.day), records: formatNumber(report.records) })}
        ${!report.in_force && html` <strong>${t("agreements.not_in_force")}</strong>`}</p>
      <table class="table">
        <thead><tr>
          <th scope="col">${t("agreements.from")}</th><th scope="col">${t("agreements.to")}</th>
          <th scope="col">${t("agreements.kind")}</th><th scope="col">${t("agreements.category")}</th>
          <th scope="col">${t("agreements.mode")}</th><th scope="col">${t("agreements.records")}</th>
        </tr></thead>
        <tbody>
          ${report.flows.map(
            (f) => html`<tr>
              <td>${f.from}</td><td>${f.to}</td><td>${f.kind}</td><td>${f.category || "–"}</td>
              <td><span class=${`mode mode-${f.mode}`}>${t(`mode.${f.mode}`)}</span></td>
              <td class="num">${formatNumber(f.count)}</td>
            </tr>`,
          )}
        </tbody>
      </table>
    </div>`}
  </section>`;
}
