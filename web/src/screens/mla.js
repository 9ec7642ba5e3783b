// The MLA tracker: mutual-legal-assistance requests sent and received, each on its way
// draft → sent → acknowledged → in execution → (partially) executed, or refused with grounds;
// draft a request on a legal basis with its measures, send it, and — as the requested
// authority — take the next step. The API checks every step; this screen offers only those the
// state machine allows (docs/messaging.md).
import { useEffect, useState } from "preact/hooks";
import { get, post } from "../api.js";
import { useCodes } from "../codes.js";
import { useEvents } from "../live.js";
import { formatDate, formatNumber, t } from "../i18n.js";
import { ErrorNote, Field, Written, html } from "../ui.js";

export const STATES = ["draft", "sent", "acknowledged", "in_execution", "partially_executed", "executed", "refused"];
const NEXT = {
  sent: ["acknowledged", "refused"],
  acknowledged: ["in_execution", "refused"],
  in_execution: ["partially_executed", "executed", "refused"],
  partially_executed: ["partially_executed", "executed", "refused"],
};
const PATH = ["draft", "sent", "acknowledged", "in_execution", "executed"];

export function MlaTracker({ allowed }) {
  const [items, setItems] = useState(null);
  const [filter, setFilter] = useState("");
  const [error, setError] = useState(null);
  const load = () => get(`/mla${filter ? `?state=${filter}` : ""}`).then(setItems, setError);
  useEffect(() => {
    load();
  }, [filter]);
  // A partner's step on a request shows without a reload.
  useEvents(["mla"], load);
  const canWrite = allowed.has("POST /api/v1/mla");
  return html`<section aria-labelledby="mla-title">
    <h1 id="mla-title">${t("mla.title")}</h1>
    ${canWrite && html`<${NewRequest} onDone=${load} />`}
    <h2>${t("mla.requests")}</h2>
    <div class="filters" role="group" aria-label=${t("mla.filter")}>
      ${["", ...STATES, "overdue"].map((s) => html`<button class="quiet" aria-pressed=${filter === s ? "true" : "false"}
        onClick=${() => setFilter(s)}>${s ? t(`mla.state.${s}`) : t("all")}</button>`)}
    </div>
    <${ErrorNote} error=${error} />
    ${items && items.length === 0 && html`<p class="empty">${t("empty")}</p>`}
    <ul class="mla-list">
      ${(items || []).map((m) => html`<${Request} key=${m.mla_id} m=${m} canWrite=${canWrite} onChanged=${load} />`)}
    </ul>
  </section>`;
}

function Steps({ m }) {
  const reached = new Set(m.history.map((h) => h.state));
  const path = m.state === "refused" ? [...PATH.slice(0, PATH.indexOf(lastBefore(m)) + 1), "refused"]
    : m.state === "partially_executed" ? [...PATH.slice(0, 4), "partially_executed", "executed"] : PATH;
  return html`<ol class="steps-track" aria-label=${t("mla.progress")}>
    ${path.map((s) => html`<li class=${`${reached.has(s) ? "done" : ""} ${m.state === s ? "current" : ""}`}
      aria-current=${m.state === s ? "step" : undefined}>${t(`mla.state.${s}`)}</li>`)}
  </ol>`;
}

function lastBefore(m) {
  const states = m.history.map((h) => h.state).filter((s) => PATH.includes(s));
  return states[states.length - 1] || "sent";
}

function Request({ m, canWrite, onChanged }) {
  const codes = useCodes();
  const measureLabel = (code) => ((codes.mla_measures || []).find((x) => x.code === code) || { label: code }).label;
  const [next, setNext] = useState("");
  const [grounds, setGrounds] = useState("");
  const [note, setNote] = useState("");
  const [error, setError] = useState(null);
  const form = m.form || {};
  async function act(path, body) {
    setError(null);
    try {
      await post(`/mla/${encodeURIComponent(m.mla_id)}/${path}`, body);
      setNext("");
      setGrounds("");
      setNote("");
      onChanged();
    } catch (err) {
      setError(err);
    }
  }
  function advance(event) {
    event.preventDefault();
    const body = { state: next };
    if (grounds) body.grounds = grounds;
    if (note) body.note = note;
    act("advance", body);
  }
  const options = m.direction === "incoming" ? NEXT[m.state] || [] : [];
  const id = (name) => `${m.mla_id}-${name}`;
  return html`<li class="card mla" data-id=${m.mla_id}>
    <div class="hit-head">
      <strong>${m.direction === "incoming" ? t("msg.from", { agency: m.requesting_agency }) : t("msg.to", { agency: m.requested_agency })}</strong>
      <span class=${`state state-${m.state}`}>${t(`mla.state.${m.state}`)}</span>
      <span class="badge">${t(`msg.priority.${m.urgency}`)}</span>
      ${m.overdue && html`<span class="overdue">${t("followup.overdue")}</span>`}
      <span class="muted">${t("followup.deadline")} ${formatDate(m.deadline)}</span>
    </div>
    <${Steps} m=${m} />
    <dl class="facts">
      <dt>${t("mla.legal_basis")}</dt><dd>${m.legal_basis_title}</dd>
      ${form.offence && html`<dt>${t("mla.offence")}</dt><dd><${Written} value=${form.offence.description} /> (${m.crime_area})</dd>`}
      ${(form.measures || []).length > 0 && html`<dt>${t("mla.measures")}</dt><dd><ul>
        ${form.measures.map((x) => html`<li>${measureLabel(x.type)}${x.amount ? ` · ${formatNumber(Number(x.amount))} ${x.currency || ""}` : ""}
          ${x.description && html` — <${Written} value=${x.description} />`}</li>`)}</ul></dd>`}
      ${m.turnaround_days != null && html`<dt>${t("mla.turnaround")}</dt><dd>${t("mla.days", { days: formatNumber(m.turnaround_days, 1) })}</dd>`}
      ${m.evidence.length > 0 && html`<dt>${t("mla.evidence")}</dt><dd>${m.evidence.map((e) => e.name).join(", ")}</dd>`}
      <dt>${t("msg.history")}</dt><dd><ul class="steps">
        ${m.history.map((h) => html`<li>${t(`mla.state.${h.state}`)} · ${formatDate(h.at)}${h.grounds ? ` — ${h.grounds}` : ""}${h.note ? ` — ${h.note}` : ""}</li>`)}
      </ul></dd>
    </dl>
    ${canWrite && m.direction === "outgoing" && m.state === "draft" &&
    html`<button onClick=${() => act("send")}>${t("mla.send")}</button>`}
    ${canWrite && options.length > 0 && html`<form class="decide" onSubmit=${advance}>
      <${Field} id=${id("state")} label=${t("mla.next")} name="state" type="select" value=${next} onInput=${setNext} required error=${error}>
        <option value="">${t("choose")}</option>
        ${options.map((s) => html`<option value=${s}>${t(`mla.state.${s}`)}</option>`)}
      </${Field}>
      ${next === "refused" && html`<${Field} id=${id("grounds")} label=${t("mla.grounds")} name="grounds" value=${grounds}
        onInput=${setGrounds} required error=${error} />`}
      <${Field} id=${id("note")} label=${t("mla.note")} name="note" value=${note} onInput=${setNote} error=${error} />
      <button type="submit">${t("mla.advance")}</button>
    </form>`}
    <${ErrorNote} error=${error} shown=${["state", "grounds", "note"]} />
  </li>`;
}

const blankMeasure = () => ({ type: "", description: "", amount: "", currency: "" });

function NewRequest({ onDone }) {
  const codes = useCodes();
  const [v, setV] = useState({
    requested_agency: "", requesting_authority: "", requested_authority: "", legal_basis: "",
    offence: "", crime_area: "", urgency: "routine", deadline: "", facts: "", case_reference: "",
  });
  const [measures, setMeasures] = useState([blankMeasure()]);
  const [error, setError] = useState(null);
  const set = (key) => (value) => setV({ ...v, [key]: value });
  const setMeasure = (i, key) => (value) => setMeasures(measures.map((x, j) => (j === i ? { ...x, [key]: value } : x)));
  const needsAmount = (type) => (codes.mla_measures || []).some((x) => x.code === type && x.amount);

  async function submit(event) {
    event.preventDefault();
    setError(null);
    const body = { urgency: v.urgency };
    for (const key of ["requested_agency", "requesting_authority", "requested_authority", "legal_basis", "deadline", "facts", "case_reference"]) {
      if (v[key]) body[key] = v[key];
    }
    body.offence = { description: v.offence, crime_area: v.crime_area };
    body.measures = measures.filter((x) => x.type).map((x) => {
      const out = { type: x.type };
      if (x.description) out.description = x.description;
      if (x.amount) out.amount = x.amount;
      if (x.currency) out.currency = x.currency.toUpperCase();
      return out;
    });
    try {
      await post("/mla", body);
      setMeasures([blankMeasure()]);
      onDone();
    } catch (err) {
      setError(err);
    }
  }
  return html`<form class="card" onSubmit=${submit} aria-labelledby="newmla-title">
    <h2 id="newmla-title">${t("mla.new")}</h2>
    <div class="row">
      <${Field} label=${t("mla.requested_agency")} name="requested_agency" type="select" value=${v.requested_agency}
        onInput=${set("requested_agency")} required error=${error}>
        <option value="">${t("choose")}</option>
        ${(codes.partners || []).map((p) => html`<option value=${p}>${p}</option>`)}
      </${Field}>
      <${Field} label=${t("mla.requesting_authority")} name="requesting_authority" value=${v.requesting_authority}
        onInput=${set("requesting_authority")} required error=${error} />
      <${Field} label=${t("mla.requested_authority")} name="requested_authority" value=${v.requested_authority}
        onInput=${set("requested_authority")} required error=${error} />
    </div>
    <${Field} label=${t("mla.legal_basis")} name="legal_basis" type="select" value=${v.legal_basis}
      onInput=${set("legal_basis")} required error=${error}>
      <option value="">${t("choose")}</option>
      ${(codes.mla_legal_bases || []).map((b) => html`<option value=${b.code}>${b.title}</option>`)}
    </${Field}>
    <div class="row">
      <${Field} label=${t("mla.offence")} name="offence.description" value=${v.offence} onInput=${set("offence")} error=${error} />
      <${Field} label=${t("search.crime_area")} name="crime_area" type="select" value=${v.crime_area}
        onInput=${set("crime_area")} error=${error}>
        <option value="">${t("choose")}</option>
        ${codes.crime_areas.map((a) => html`<option value=${a.code}>${a.label}</option>`)}
      </${Field}>
    </div>
    <fieldset>
      <legend>${t("mla.measures")}</legend>
      ${measures.map((x, i) => html`<div class="row">
        <${Field} id=${`m${i}-type`} label=${t("mla.measure")} name=${`measures.${i}.type`} type="select" value=${x.type}
          onInput=${setMeasure(i, "type")} error=${error}>
          <option value="">${t("choose")}</option>
          ${(codes.mla_measures || []).map((c) => html`<option value=${c.code}>${c.label}</option>`)}
        </${Field}>
        <${Field} id=${`m${i}-description`} label=${t("mla.measure_description")} name=${`measures.${i}.description`}
          value=${x.description} onInput=${setMeasure(i, "description")} error=${error} />
        ${needsAmount(x.type) && html`<${Field} id=${`m${i}-amount`} label=${t("mla.amount")} name=${`measures.${i}.amount`}
          inputmode="decimal" value=${x.amount} onInput=${setMeasure(i, "amount")} error=${error} />
          <${Field} id=${`m${i}-currency`} label=${t("mla.currency")} name=${`measures.${i}.currency`} maxlength="3"
          value=${x.currency} onInput=${setMeasure(i, "currency")} error=${error} />`}
      </div>`)}
      <button type="button" class="quiet" onClick=${() => setMeasures([...measures, blankMeasure()])}>${t("mla.add_measure")}</button>
    </fieldset>
    <div class="row">
      <${Field} label=${t("mla.urgency")} name="urgency" type="select" value=${v.urgency} onInput=${set("urgency")} error=${error}>
        ${["routine", "urgent", "immediate"].map((p) => html`<option value=${p}>${t(`msg.priority.${p}`)}</option>`)}
      </${Field}>
      <${Field} label=${t("mla.deadline")} name="deadline" type="date" value=${v.deadline} onInput=${set("deadline")} required error=${error} />
      <${Field} label=${t("search.reference")} name="case_reference" value=${v.case_reference} onInput=${set("case_reference")} error=${error} />
    </div>
    <${Field} label=${t("mla.facts")} name="facts" type="textarea" rows="4" value=${v.facts} onInput=${set("facts")} error=${error} />
    <${ErrorNote} error=${error} shown=${["requested_agency", "requesting_authority", "requested_authority", "legal_basis",
      "offence.description", "crime_area", "urgency", "deadline", "case_reference", "facts",
      ...measures.flatMap((_, i) => ["type", "description", "amount", "currency"].map((k) => `measures.${i}.${k}`))]} />
    <button type="submit">${t("mla.save_draft")}</button>
  </form>`;
}
