// Audit, for the data-protection officer and the auditor: the signed tree head, the whole
// ledger's verification, its entries (filtered by event, actor, text), and for one entry an
// inclusion proof, checked here in the browser against the signed head.
import { useEffect, useState } from "preact/hooks";
import { get } from "../api.js";
import { formatDate, formatNumber, t } from "../i18n.js";
import { verifyInclusion } from "../merkle.js";
import { ErrorNote, Field, html } from "../ui.js";

const PAGE = 200;

export function Audit({ allowed }) {
  const [head, setHead] = useState(null);
  const [verified, setVerified] = useState(null);
  const [entries, setEntries] = useState([]);
  const [event, setEvent] = useState("");
  const [actor, setActor] = useState("");
  const [text, setText] = useState("");
  const [proof, setProof] = useState(null);
  const [error, setError] = useState(null);
  const canRead = allowed.has("GET /api/v1/audit/entries");

  async function load() {
    try {
      const found = await get("/audit/tree-head");
      setHead(found);
      if (canRead && found.tree_size > 0) {
        const start = Math.max(0, found.tree_size - PAGE);
        const page = await get(`/audit/entries?start=${start}&end=${found.tree_size}`);
        setEntries(page.reverse());
      }
    } catch (err) {
      setError(err);
    }
  }
  useEffect(() => {
    load();
  }, []);

  async function verify() {
    setVerified("busy");
    try {
      setVerified(await get("/audit/verify"));
    } catch (err) {
      setError(err);
      setVerified(null);
    }
  }

  async function prove(entry) {
    try {
      const size = head.tree_size;
      const found = await get(`/audit/proof/inclusion?index=${entry.index}&tree_size=${size}`);
      const ok = await verifyInclusion(entry.index, size, found.inclusion_path, entry.leaf_hash, head.root_hash);
      setProof({ entry, found, ok });
    } catch (err) {
      setError(err);
    }
  }

  const events = [...new Set(entries.map((e) => e.event).filter(Boolean))].sort();
  const needle = text.toLowerCase();
  const shown = entries.filter(
    (e) =>
      (!event || e.event === event) &&
      (!actor || (e.actor || "").includes(actor)) &&
      (!needle || e.payload.toLowerCase().includes(needle)),
  );
  return html`<section aria-labelledby="audit-title">
    <h1 id="audit-title">${t("audit.title")}</h1>
    <${ErrorNote} error=${error} />
    ${head &&
    html`<dl class="facts card">
      <dt>${t("audit.size")}</dt><dd>${formatNumber(head.tree_size)}</dd>
      <dt>${t("audit.root")}</dt><dd><code class="hash">${head.root_hash}</code></dd>
      <dt>${t("audit.signed")}</dt><dd>${formatDate(new Date(head.timestamp).toISOString())}</dd>
      <dt>${t("audit.key")}</dt><dd><code class="hash">${head.key_fingerprint}</code></dd>
    </dl>`}
    ${allowed.has("GET /api/v1/audit/verify") &&
    html`<p>
      <button onClick=${verify} disabled=${verified === "busy"}>${t("audit.verify")}</button>
      ${verified && verified !== "busy" &&
      html`<span role="status" class=${verified.ok ? "ok" : "error"} data-verified=${String(verified.ok)}>
        ${verified.ok
          ? t("audit.intact", { size: formatNumber(verified.verified_size), heads: formatNumber(verified.heads_checked) })
          : t("audit.broken", { index: verified.first_bad_index ?? "?", reason: verified.reason })}
      </span>`}
    </p>`}
    ${proof &&
    html`<div class="card" role="status" aria-labelledby="proof-title">
      <h2 id="proof-title">${t("audit.proof_title", { index: proof.entry.index })}</h2>
      <p class=${proof.ok ? "ok" : "error"} data-proof=${String(proof.ok)}>
        ${proof.ok ? t("audit.proof_ok", { size: formatNumber(proof.found.tree_size) }) : t("audit.proof_bad")}</p>
      <ol class="path">${proof.found.inclusion_path.map((h) => html`<li><code class="hash">${h}</code></li>`)}</ol>
    </div>`}
    ${canRead &&
    html`<form class="filters" onSubmit=${(e) => e.preventDefault()}>
        <${Field} label=${t("audit.event")} name="event" type="select" value=${event} onInput=${setEvent}>
          <option value="">${t("all")}</option>
          ${events.map((e) => html`<option value=${e}>${e}</option>`)}
        </${Field}>
        <${Field} label=${t("audit.actor")} name="actor" value=${actor} onInput=${setActor} />
        <${Field} label=${t("audit.text")} name="text" value=${text} onInput=${setText} />
      </form>
      <table class="table entries">
        <thead><tr>
          <th scope="col">#</th><th scope="col">${t("notices.when")}</th><th scope="col">${t("audit.event")}</th>
          <th scope="col">${t("audit.actor")}</th><th scope="col">${t("audit.details")}</th>
          <th scope="col"><span class="sr-only">${t("audit.prove")}</span></th>
        </tr></thead>
        <tbody>
          ${shown.map(
            (e) => html`<tr data-index=${e.index}>
              <td class="num">${e.index}</td><td>${formatDate(e.at)}</td><td><code>${e.event}</code></td>
              <td>${e.actor}</td>
              <td><details><summary>${t("audit.details")}</summary><pre>${JSON.stringify(e.details, null, 1)}</pre></details></td>
              <td><button class="secondary" onClick=${() => prove(e)}>${t("audit.prove")}</button></td>
            </tr>`,
          )}
        </tbody>
      </table>`}
  </section>`;
}
