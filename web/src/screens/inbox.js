// Messages: the agency's sealed messages to and from partners, grouped in threads, with their
// delivery and read receipts and overdue requests flagged; compose a request, a reply or
// spontaneous information. Opening a received message sends its sender the read receipt.
import { useEffect, useState } from "preact/hooks";
import { get, post } from "../api.js";
import { useCodes } from "../codes.js";
import { useEvents } from "../live.js";
import { formatDate, t } from "../i18n.js";
import { ErrorNote, Field, Written, html } from "../ui.js";

const PRIORITIES = ["routine", "urgent", "immediate"];

/** Messages grouped by thread, the thread with the newest message first. */
export function threads(messages) {
  const found = new Map();
  for (const m of messages) {
    if (!found.has(m.thread_id)) found.set(m.thread_id, []);
    found.get(m.thread_id).push(m);
  }
  return [...found.values()].map((items) => items.sort((a, b) => a.sent_at.localeCompare(b.sent_at)));
}

export function Inbox({ allowed }) {
  const [items, setItems] = useState(null);
  const [error, setError] = useState(null);
  const [replyTo, setReplyTo] = useState(null);
  const [onlyOverdue, setOnlyOverdue] = useState(false);
  const load = () => get(`/messages${onlyOverdue ? "?overdue=true" : ""}`).then(setItems, setError);
  useEffect(() => {
    load();
  }, [onlyOverdue]);
  // A message arriving, or a receipt for one sent, shows without a reload.
  useEvents(["message", "message_receipt"], load);
  const canSend = allowed.has("POST /api/v1/messages");
  return html`<section aria-labelledby="msg-title">
    <h1 id="msg-title">${t("msg.title")}</h1>
    ${canSend && html`<${Compose} replyTo=${replyTo} onSent=${() => { setReplyTo(null); load(); }}
      onCancel=${() => setReplyTo(null)} />`}
    <h2>${t("msg.threads")}</h2>
    <div class="filters">
      <button class="quiet" onClick=${load}>${t("refresh")}</button>
      <label class="check"><input type="checkbox" checked=${onlyOverdue}
        onChange=${(e) => setOnlyOverdue(e.currentTarget.checked)} /> ${t("msg.only_overdue")}</label>
    </div>
    <${ErrorNote} error=${error} />
    ${items && items.length === 0 && html`<p class="empty">${t("empty")}</p>`}
    <ul class="threads">
      ${threads(items || []).map((thread) => html`<${Thread} key=${thread[0].thread_id} thread=${thread}
        canSend=${canSend} onReply=${(m) => { setReplyTo(m); window.scrollTo(0, 0); }} />`)}
    </ul>
  </section>`;
}

function Thread({ thread, canSend, onReply }) {
  const first = thread[0];
  return html`<li class="card thread" data-thread=${first.thread_id}>
    <h3 class="thread-title"><${Written} value=${first.subject || first.message_id} />
      ${first.case_reference && html`<span class="badge">${first.case_reference}</span>`}</h3>
    <ol class="messages">
      ${thread.map((m) => html`<${Message} key=${m.message_id} m=${m} canSend=${canSend} onReply=${onReply} />`)}
    </ol>
  </li>`;
}

function Message({ m, canSend, onReply }) {
  const [full, setFull] = useState(null);
  const [error, setError] = useState(null);
  const shown = full || m;
  async function open() {
    setError(null);
    try {
      setFull(await get(`/messages/${encodeURIComponent(m.message_id)}`));
    } catch (err) {
      setError(err);
    }
  }
  const incoming = m.direction === "incoming";
  return html`<li class=${`message message-${m.direction}`} data-id=${m.message_id}>
    <div class="hit-head">
      <strong>${incoming ? t("msg.from", { agency: m.partner_agency }) : t("msg.to", { agency: m.partner_agency })}</strong>
      <span class="badge">${t(`msg.kind.${m.kind}`)}</span>
      <span class=${`state state-${shown.state}`}>${t(`msg.state.${shown.state}`)}</span>
      ${m.priority !== "routine" && html`<span class="badge">${t(`msg.priority.${m.priority}`)}</span>`}
      ${m.overdue && html`<span class="overdue">${t("followup.overdue")}</span>`}
      <span class="muted">${formatDate(m.sent_at)}</span>
    </div>
    ${shown.body != null && html`<p class="body"><bdi dir="auto" lang=${shown.language || undefined}>${shown.body}</bdi></p>`}
    ${full && html`<${Details} m=${full} />`}
    <div class="row">
      ${!full && html`<button class="quiet" onClick=${open}>${t("msg.open")}</button>`}
      ${canSend && incoming && html`<button class="secondary" onClick=${() => onReply(m)}>${t("msg.reply")}</button>`}
    </div>
    <${ErrorNote} error=${error} />
  </li>`;
}

function Details({ m }) {
  const records = m.records || [];
  const files = m.attachments || [];
  return html`<dl class="facts">
    <dt>${t("msg.verified")}</dt><dd class=${m.verified ? "ok" : "error"}>${m.verified ? t("msg.signature_ok") : t("msg.signature_missing")}</dd>
    <dt>${t("record.handling")} · ${t("record.tlp")}</dt><dd>${m.handling || "–"} · ${m.tlp || "–"}</dd>
    ${m.deadline && html`<dt>${t("followup.deadline")}</dt><dd>${formatDate(m.deadline)}</dd>`}
    <dt>${t("msg.history")}</dt><dd>${m.history.map((s) => `${t(`msg.state.${s.state}`)} ${formatDate(s.at)}`).join(" → ")}</dd>
    ${records.length > 0 && html`<dt>${t("msg.records")}</dt><dd><ul>
      ${records.map((r) => {
        const record = r.record || r;
        const name = ((record.properties || {}).name || [record.id || r.reference || ""])[0];
        return html`<li><${Written} value=${name} /> <span class="schema">${record.schema || ""}</span>
          ${r.mode && html`<span class="mode">${t(`mode.${r.mode}`) || r.mode}</span>`}</li>`;
      })}</ul></dd>`}
    ${files.length > 0 && html`<dt>${t("msg.attachments")}</dt><dd><ul>
      ${files.map((f) => html`<li><a href=${`/api/v1/messages/${encodeURIComponent(m.message_id)}/attachments/${f.sha256}`}
        download=${f.name}>${f.name}</a> <span class="muted">${f.size ?? ""}</span></li>`)}</ul></dd>`}
  </dl>`;
}

function Compose({ replyTo, onSent, onCancel }) {
  const codes = useCodes();
  const [recipient, setRecipient] = useState("");
  const [subject, setSubject] = useState("");
  const [body, setBody] = useState("");
  const [priority, setPriority] = useState("routine");
  const [kind, setKind] = useState("rfi");
  const [caseReference, setCaseReference] = useState("");
  const [error, setError] = useState(null);
  const [sent, setSent] = useState(null);
  useEffect(() => {
    if (!replyTo) return;
    setRecipient(replyTo.partner_agency);
    setSubject(replyTo.subject && !replyTo.subject.startsWith("Re: ") ? `Re: ${replyTo.subject}` : replyTo.subject || "");
    document.getElementById("f-body")?.focus();
  }, [replyTo]);

  async function submit(event) {
    event.preventDefault();
    setError(null);
    setSent(null);
    const message = { recipient, subject, body, priority, language: document.documentElement.lang };
    if (replyTo) {
      message.kind = "reply";
      message.in_reply_to = replyTo.message_id;
    } else {
      message.kind = kind;
      if (caseReference) message.case_reference = caseReference;
    }
    try {
      const done = await post("/messages", message);
      setSent(done);
      setSubject("");
      setBody("");
      onSent(done);
    } catch (err) {
      setError(err);
    }
  }

  const partners = codes.partners || [];
  return html`<form class="card compose" onSubmit=${submit} aria-labelledby="compose-title">
    <h2 id="compose-title">${replyTo ? t("msg.reply_to", { agency: replyTo.partner_agency }) : t("msg.compose")}</h2>
    <div class="row">
      <${Field} label=${t("msg.recipient")} name="recipient" type="select" value=${recipient}
        onInput=${setRecipient} required error=${error} disabled=${Boolean(replyTo)}>
        <option value="">${t("choose")}</option>
        ${partners.map((p) => html`<option value=${p}>${p}</option>`)}
      </${Field}>
      ${!replyTo && html`<${Field} label=${t("msg.kind")} name="kind" type="select" value=${kind} onInput=${setKind} error=${error}>
        <option value="rfi">${t("msg.kind.rfi")}</option>
        <option value="spontaneous">${t("msg.kind.spontaneous")}</option>
      </${Field}>`}
      <${Field} label=${t("msg.priority")} name="priority" type="select" value=${priority} onInput=${setPriority} error=${error}>
        ${PRIORITIES.map((p) => html`<option value=${p}>${t(`msg.priority.${p}`)}</option>`)}
      </${Field}>
      ${!replyTo && html`<${Field} label=${t("search.reference")} name="case_reference" value=${caseReference}
        onInput=${setCaseReference} error=${error} />`}
    </div>
    <${Field} label=${t("msg.subject")} name="subject" value=${subject} onInput=${setSubject} required
      maxlength="300" error=${error} />
    <${Field} label=${t("msg.body")} name="body" type="textarea" rows="5" value=${body} onInput=${setBody}
      required error=${error} />
    <${ErrorNote} error=${error} shown=${["recipient", "kind", "priority", "case_reference", "subject", "body"]} />
    ${sent && html`<p role="status" class="ok">${t("msg.sent", { agency: sent.partner_agency })}</p>`}
    <button type="submit">${t("msg.send")}</button>
    ${replyTo && html` <button type="button" class="quiet" onClick=${onCancel}>${t("cancel")}</button>`}
  </form>`;
}
