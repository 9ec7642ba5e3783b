// Follow-ups, both sides: the requests this node sent (with their outcome) and those it
// received, which a liaison officer approves (with conditions) or declines; overdue flagged.
import { useEffect, useState } from "preact/hooks";
import { get, post } from "../api.js";
import { formatDate, t } from "../i18n.js";
import { ErrorNote, Field, Written, html } from "../ui.js";

export function FollowUpRequest({ partner, item, stated, onClose }) {
  const [legalBasis, setLegalBasis] = useState("");
  const [justification, setJustification] = useState("");
  const [days, setDays] = useState("");
  const [error, setError] = useState(null);
  const [sent, setSent] = useState(null);

  async function submit(event) {
    event.preventDefault();
    setError(null);
    try {
      const body = {
        partner: partner.node_id,
        reference: item.reference.reference,
        ...stated,
        legal_basis: legalBasis,
        justification,
      };
      if (days) body.days = Number(days);
      setSent(await post("/follow-ups", body));
    } catch (err) {
      setError(err);
    }
  }

  return html`<section class="card followup-request" aria-labelledby="fu-title">
    <h2 id="fu-title">${t("followup.request_title", { agency: partner.agency })}</h2>
    ${sent
      ? html`<p role="status" class="ok">${t("followup.sent", { id: sent.follow_up_id })}</p>
          <a href="#/follow-ups">${t("nav.followups")}</a>`
      : html`<form onSubmit=${submit}>
          <p><code>${item.reference.reference}</code></p>
          <${Field} label=${t("followup.legal_basis")} name="legal_basis" value=${legalBasis}
            onInput=${setLegalBasis} required error=${error} />
          <${Field} label=${t("followup.justification")} name="justification" type="textarea"
            value=${justification} onInput=${setJustification} required error=${error} />
          <${Field} label=${t("followup.days")} name="days" type="number" min="1" max="90"
            value=${days} onInput=${setDays} error=${error} />
          <${ErrorNote} error=${error} shown=${["legal_basis", "justification", "days"]} />
          <button type="submit">${t("followup.send")}</button>
          <button type="button" class="quiet" onClick=${onClose}>${t("cancel")}</button>
        </form>`}
  </section>`;
}

export function FollowUps({ allowed }) {
  const [items, setItems] = useState(null);
  const [error, setError] = useState(null);
  const load = () => get("/follow-ups").then(setItems, setError);
  useEffect(() => {
    load();
  }, []);
  const canDecide = allowed.has("POST /api/v1/follow-ups/{follow_up_id}/decision");
  const incoming = (items || []).filter((f) => f.direction === "incoming");
  const outgoing = (items || []).filter((f) => f.direction === "outgoing");
  return html`<section aria-labelledby="fus-title">
    <h1 id="fus-title">${t("followup.title")}</h1>
    <button class="quiet" onClick=${load}>${t("refresh")}</button>
    <${ErrorNote} error=${error} />
    <h2>${t("followup.incoming")}</h2>
    <${List} items=${incoming} canDecide=${canDecide} onChanged=${load} />
    <h2>${t("followup.outgoing")}</h2>
    <${List} items=${outgoing} />
  </section>`;
}

function List({ items, canDecide, onChanged }) {
  if (items.length === 0) return html`<p class="empty">${t("empty")}</p>`;
  return html`<ul class="followups">
    ${items.map((f) => html`<${FollowUp} f=${f} canDecide=${canDecide} onChanged=${onChanged} />`)}
  </ul>`;
}

function FollowUp({ f, canDecide, onChanged }) {
  const [conditions, setConditions] = useState("");
  const [reason, setReason] = useState("");
  const [error, setError] = useState(null);
  async function decide(decision) {
    setError(null);
    try {
      const body = { decision };
      if (decision === "approve" && conditions) body.conditions = conditions;
      if (decision === "decline" && reason) body.reason = reason;
      await post(`/follow-ups/${encodeURIComponent(f.follow_up_id)}/decision`, body);
      onChanged();
    } catch (err) {
      setError(err);
    }
  }
  const open = f.direction === "incoming" && f.state === "pending" && canDecide;
  const outcome = f.outcome || null;
  return html`<li class="followup card" data-id=${f.follow_up_id}>
    <div class="hit-head">
      <strong>${f.partner_agency}</strong>
      <span class=${`state state-${f.state}`}>${t(`state.${f.state}`)}</span>
      ${f.overdue && html`<span class="overdue">${t("followup.overdue")}</span>`}
      <span class="muted">${t("followup.deadline")} ${formatDate(f.deadline)}</span>
    </div>
    <dl class="facts">
      <dt>${t("followup.reference")}</dt><dd><code>${f.reference}</code></dd>
      <dt>${t("search.purpose")}</dt><dd>${f.purpose} · ${f.case_reference} · ${f.crime_area}</dd>
      <dt>${t("followup.legal_basis")}</dt><dd>${f.legal_basis}</dd>
      <dt>${t("followup.justification")}</dt><dd>${f.justification}</dd>
    </dl>
    ${outcome && html`<${Outcome} outcome=${outcome} />`}
    ${open &&
    html`<div class="decide">
      <${Field} label=${t("followup.conditions")} name="conditions" value=${conditions}
        onInput=${setConditions} error=${error} />
      <button onClick=${() => decide("approve")}>${t("followup.approve")}</button>
      <${Field} label=${t("followup.reason")} name="reason" value=${reason} onInput=${setReason}
        error=${error} />
      <button class="danger" onClick=${() => decide("decline")}>${t("followup.decline")}</button>
      <${ErrorNote} error=${error} shown=${["conditions", "reason"]} />
    </div>`}
  </li>`;
}

function Outcome({ outcome }) {
  const items = outcome.items || outcome.records || [];
  return html`<div class="outcome">
    <p><strong>${t("followup.outcome")}:</strong> ${outcome.decision || outcome.status || ""}
      ${outcome.conditions && html` — ${t("followup.conditions")}: ${outcome.conditions}`}
      ${outcome.reason && html` — ${outcome.reason}`}</p>
    ${items.length > 0 &&
    html`<ul>${items.map((i) => {
      const record = i.record || i;
      const name = ((record.properties || {}).name || [record.id || ""])[0];
      return html`<li><${Written} value=${name} /> <span class="schema">${record.schema || ""}</span></li>`;
    })}</ul>`}
  </div>`;
}
