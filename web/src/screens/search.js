// Search, local or across the federation. Every search states its purpose; partners answer
// one by one (hits, no hit, unavailable); each hit shows its score and what made it; a
// reference hit offers a follow-up request to its owner.
import { useState } from "preact/hooks";
import { post } from "../api.js";
import { useCodes } from "../codes.js";
import { formatNumber, t } from "../i18n.js";
import { ErrorNote, Field, Written, html } from "../ui.js";
import { FollowUpRequest } from "./followups.js";

export function Search({ allowed }) {
  const codes = useCodes();
  const [query, setQuery] = useState("");
  const [purpose, setPurpose] = useState("investigation");
  const [reference, setReference] = useState("");
  const [crimeArea, setCrimeArea] = useState("");
  const canFederate = allowed.has("POST /api/v1/federated-search");
  const [federated, setFederated] = useState(canFederate);
  const [result, setResult] = useState(null);
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const [asking, setAsking] = useState(null);

  async function submit(event) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    setAsking(null);
    setResult(null);
    const body = { query, purpose, reference, crime_area: crimeArea };
    try {
      if (federated) {
        setResult({ federated: true, ...(await post("/federated-search", body)) });
      } else {
        const found = await post("/search", body);
        setResult({ federated: false, local: found.results, partners: [] });
      }
    } catch (err) {
      setError(err);
      setResult(null);
    } finally {
      setBusy(false);
    }
  }

  const stated = { purpose, case_reference: reference, crime_area: crimeArea };
  return html`<section aria-labelledby="search-title">
    <h1 id="search-title">${t("search.title")}</h1>
    <form class="search-form" onSubmit=${submit}>
      <${Field} label=${t("search.query")} name="query" value=${query} onInput=${setQuery}
        required error=${error} dir="auto" />
      <fieldset>
        <legend>${t("search.purpose_legend")}</legend>
        <${Field} label=${t("search.purpose")} name="purpose" type="select" value=${purpose}
          onInput=${setPurpose} error=${error}>
          ${codes.purposes.map((p) => html`<option value=${p.code}>${p.label}</option>`)}
        </${Field}>
        <${Field} label=${t("search.reference")} name="reference" value=${reference}
          onInput=${setReference} required error=${error} />
        <${Field} label=${t("search.crime_area")} name="crime_area" type="select" value=${crimeArea}
          onInput=${setCrimeArea} required error=${error}>
          <option value="">${t("choose")}</option>
          ${codes.crime_areas.map((a) => html`<option value=${a.code}>${a.label} (${a.code})</option>`)}
        </${Field}>
      </fieldset>
      ${canFederate &&
      html`<label class="check">
        <input type="checkbox" name="federated" checked=${federated}
          onChange=${(e) => setFederated(e.currentTarget.checked)} />
        ${t("search.federated")}
      </label>`}
      <${ErrorNote} error=${error} shown=${["query", "purpose", "reference", "crime_area"]} />
      <button type="submit" disabled=${busy}>${busy ? t("search.busy") : t("search.submit")}</button>
    </form>
    ${result &&
    html`<div class="results" aria-live="polite">
      <section aria-labelledby="local-title" class="partner">
        <h2 id="local-title">${t("search.local")} <span class="badge">${formatNumber(result.local.length)}</span></h2>
        ${result.local.length === 0 ? html`<p class="no-hit">${t("search.no_hit")}</p>` : html`<ul class="hits">
          ${result.local.map((h) => html`<${Hit} item=${{ mode: "full", record: h.record, match: h }} />`)}
        </ul>`}
      </section>
      ${result.partners.map(
        (p) => html`<section class="partner" aria-label=${p.agency} data-partner=${p.agency}>
          <h2>${p.agency} <span class=${`status status-${p.status}`}>${t(`search.status.${p.status}`)}</span></h2>
          ${p.ledger_alarm && html`<p class="error">${t("search.ledger_alarm", { state: p.ledger_alarm })}</p>`}
          ${p.items.length > 0 &&
          html`<ul class="hits">
            ${p.items.map(
              (item) => html`<${Hit} item=${item} partner=${p}
                canFollowUp=${allowed.has("POST /api/v1/follow-ups")}
                onFollowUp=${() => setAsking({ partner: p, item })} />`,
            )}
          </ul>`}
        </section>`,
      )}
    </div>`}
    ${asking &&
    html`<${FollowUpRequest} partner=${asking.partner} item=${asking.item} stated=${stated}
      onClose=${() => setAsking(null)} />`}
  </section>`;
}

function caption(record) {
  const props = record.properties || {};
  return (props.name || props.number || props.title || [record.id])[0];
}

function Hit({ item, partner, canFollowUp, onFollowUp }) {
  const match = item.match || {};
  const record = item.record;
  const ref = item.reference;
  const owner = record ? (record.accord || {}).owner : ref && ref.owner;
  const link = record && !partner ? `#/records/${encodeURIComponent(record.id)}?owner=${encodeURIComponent(owner || "")}` : null;
  return html`<li class="hit">
    <div class="hit-head">
      ${record
        ? link
          ? html`<a href=${link}><${Written} value=${caption(record)} /></a>`
          : html`<strong><${Written} value=${caption(record)} /></strong>`
        : html`<strong>${t("search.reference_hit", { schema: ref ? ref.schema : "" })}</strong>`}
      <span class="schema">${record ? record.schema : ref && ref.schema}</span>
      ${typeof match.score === "number" &&
      html`<span class="score" title=${t("search.score")}>${formatNumber(match.score * 100)} %</span>`}
      <span class="mode">${t(`mode.${item.mode}`)}</span>
    </div>
    ${record && html`<p class="props">${Object.entries(record.properties || {}).slice(0, 4).map(
      ([k, v]) => html`<span class="prop"><span class="k">${k}</span> <${Written} value=${v} /></span>`,
    )}</p>`}
    ${ref && html`<p class="ref"><code>${ref.reference}</code></p>`}
    ${match.features &&
    html`<details class="why">
      <summary>${t("search.why", { algorithm: match.algorithm || "" })}</summary>
      <ul>
        ${Object.entries(match.features).map(
          ([name, value]) => html`<li><code>${name}</code> ${formatNumber(value, 2)}</li>`,
        )}
      </ul>
    </details>`}
    ${item.mode === "reference" && canFollowUp &&
    html`<button class="secondary" onClick=${onFollowUp}>${t("search.follow_up")}</button>`}
  </li>`;
}
