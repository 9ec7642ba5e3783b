// One record: its content as written, its envelope (owner, handling code, TLP, evaluation,
// data-subject category, crime areas, legal basis, review date), provenance, earlier versions
// and — for the owner — every decision to disclose it or not, from the ledger.
import { useEffect, useState } from "preact/hooks";
import { get } from "../api.js";
import { formatDate, t } from "../i18n.js";
import { ErrorNote, Written, html } from "../ui.js";

export function RecordView({ me, allowed, args, query }) {
  const id = args[0] || "";
  const owner = query.get("owner") || "";
  const [record, setRecord] = useState(null);
  const [history, setHistory] = useState([]);
  const [disclosures, setDisclosures] = useState(null);
  const [error, setError] = useState(null);
  const suffix = owner ? `?owner=${encodeURIComponent(owner)}` : "";
  const path = `/records/${encodeURIComponent(id)}`;

  useEffect(() => {
    setError(null);
    get(`${path}${suffix}`).then(setRecord, setError);
    if (allowed.has("GET /api/v1/records/{record_id}/history")) {
      get(`${path}/history${suffix}`).then(setHistory, () => setHistory([]));
    }
    if ((!owner || owner === me.agency) && allowed.has("GET /api/v1/records/{record_id}/disclosures")) {
      get(`${path}/disclosures${suffix}`).then(setDisclosures, () => setDisclosures(null));
    }
  }, [id, owner]);

  if (error) return html`<section><h1>${id}</h1><${ErrorNote} error=${error} /></section>`;
  if (!record) return html`<p class="loading">${t("loading")}</p>`;
  const env = record.accord || {};
  const rows = [
    ["record.owner", env.owner],
    ["record.handling", [env.handling, env.handling_conditions].filter(Boolean).join(" — ")],
    ["record.tlp", env.tlp],
    ["record.evaluation", `${env.reliability || ""}${env.assessment || ""}`],
    ["record.category", env.subject_category],
    ["record.crime_areas", (env.crime_areas || []).join(", ")],
    ["record.legal_basis", env.legal_basis],
    ["record.review", env.review_by && formatDate(env.review_by)],
  ];
  // Provenance: who holds it, since when, how often it changed (the versions below).
  const provenance = [
    ["record.owner", env.owner],
    ["record.created", env.created_at && formatDate(env.created_at)],
    ["record.updated", env.updated_at && formatDate(env.updated_at)],
    ["record.version", env.version],
  ];
  return html`<section aria-labelledby="record-title">
    <h1 id="record-title"><${Written} value=${(record.properties.name || [record.id])[0]} />
      <span class="schema">${record.schema}</span></h1>
    <p class="muted"><code>${record.id}</code></p>
    <div class="columns">
      <section aria-labelledby="props-title" class="card">
        <h2 id="props-title">${t("record.content")}</h2>
        <dl class="facts">
          ${Object.entries(record.properties).map(
            ([k, v]) => html`<dt>${k}</dt><dd><${Written} value=${v} /></dd>`,
          )}
        </dl>
      </section>
      <section aria-labelledby="env-title" class="card">
        <h2 id="env-title">${t("record.envelope")}</h2>
        <dl class="facts">
          ${rows.filter(([, v]) => v !== undefined && v !== null && v !== "").map(
            ([k, v]) => html`<dt>${t(k)}</dt><dd>${String(v)}</dd>`,
          )}
        </dl>
        <details><summary>${t("record.all_fields")}</summary><pre>${JSON.stringify(env, null, 1)}</pre></details>
      </section>
      <section aria-labelledby="prov-title" class="card">
        <h2 id="prov-title">${t("record.source")}</h2>
        <dl class="facts">
          ${provenance.filter(([, v]) => v !== undefined && v !== null && v !== "").map(
            ([k, v]) => html`<dt>${t(k)}</dt><dd>${String(v)}</dd>`,
          )}
        </dl>
      </section>
    </div>
    <section aria-labelledby="versions-title">
      <h2 id="versions-title">${t("record.versions")}</h2>
      ${history.length === 0
        ? html`<p class="empty">${t("empty")}</p>`
        : html`<ol class="versions">
            ${history.map(
              (h) => html`<li><details><summary>${t("record.version")} ${(h.accord || h.record?.accord || {}).version ?? ""} ${h.change || h.operation || ""}</summary>
                <pre>${JSON.stringify(h, null, 1)}</pre></details></li>`,
            )}
          </ol>`}
    </section>
    ${disclosures &&
    html`<section aria-labelledby="disc-title">
      <h2 id="disc-title">${t("record.disclosures")}</h2>
      ${disclosures.length === 0
        ? html`<p class="empty">${t("record.never_disclosed")}</p>`
        : html`<table class="table disclosures">
            <thead><tr>
              <th scope="col">${t("notices.when")}</th><th scope="col">${t("record.recipient")}</th>
              <th scope="col">${t("agreements.mode")}</th><th scope="col">${t("record.clauses")}</th>
              <th scope="col">${t("search.purpose")}</th><th scope="col">${t("record.channel")}</th>
            </tr></thead>
            <tbody>
              ${disclosures.map(
                (d) => html`<tr>
                  <td>${formatDate(d.at)}</td><td>${d.recipient}</td>
                  <td><span class=${`mode mode-${d.mode}`}>${t(`mode.${d.mode}`)}</span></td>
                  <td>${d.clauses.length ? d.clauses.map((c) => html`<code>${c}</code> `) : d.reasons.join(", ")}</td>
                  <td>${d.purpose} · ${d.reference} · ${d.crime_area}</td>
                  <td>${d.channel}${d.approved_follow_up ? ` (${t("record.follow_up")})` : ""}</td>
                </tr>`,
              )}
            </tbody>
          </table>`}
    </section>`}
  </section>`;
}
