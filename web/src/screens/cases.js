// Cases and joint investigation teams: the cases this node holds, their members (a case with
// members of other agencies and a JIT agreement is a joint team), every membership change,
// and the postings sent to every current member.
import { useEffect, useState } from "preact/hooks";
import { call, get, post } from "../api.js";
import { useCodes } from "../codes.js";
import { formatDate, t } from "../i18n.js";
import { ErrorNote, Field, Written, html } from "../ui.js";

export function Cases({ allowed }) {
  const [items, setItems] = useState(null);
  const [error, setError] = useState(null);
  const load = () => get("/cases").then(setItems, setError);
  useEffect(() => {
    load();
  }, []);
  const canOpen = allowed.has("POST /api/v1/cases");
  return html`<section aria-labelledby="cases-title">
    <h1 id="cases-title">${t("cases.title")}</h1>
    ${canOpen && html`<${NewCase} onDone=${load} />`}
    <h2>${t("cases.list")}</h2>
    <button class="quiet" onClick=${load}>${t("refresh")}</button>
    <${ErrorNote} error=${error} />
    ${items && items.length === 0 && html`<p class="empty">${t("empty")}</p>`}
    <ul class="cases">
      ${(items || []).map((c) => html`<${Case} key=${c.case_id} c=${c} allowed=${allowed} onChanged=${load} />`)}
    </ul>
  </section>`;
}

function NewCase({ onDone }) {
  const codes = useCodes();
  const [reference, setReference] = useState("");
  const [title, setTitle] = useState("");
  const [crimeArea, setCrimeArea] = useState("");
  const [legalBasis, setLegalBasis] = useState("");
  const [error, setError] = useState(null);
  async function submit(event) {
    event.preventDefault();
    setError(null);
    const body = { reference, crime_area: crimeArea };
    if (title) body.title = title;
    if (legalBasis) body.legal_basis = legalBasis;
    try {
      await post("/cases", body);
      setReference("");
      setTitle("");
      setLegalBasis("");
      onDone();
    } catch (err) {
      setError(err);
    }
  }
  return html`<form class="card" onSubmit=${submit} aria-labelledby="newcase-title">
    <h2 id="newcase-title">${t("cases.new")}</h2>
    <div class="row">
      <${Field} label=${t("cases.reference")} name="reference" value=${reference} onInput=${setReference}
        required error=${error} />
      <${Field} label=${t("cases.case_title")} name="title" value=${title} onInput=${setTitle} error=${error} />
      <${Field} label=${t("search.crime_area")} name="crime_area" type="select" value=${crimeArea}
        onInput=${setCrimeArea} required error=${error}>
        <option value="">${t("choose")}</option>
        ${codes.crime_areas.map((a) => html`<option value=${a.code}>${a.label}</option>`)}
      </${Field}>
      <${Field} label=${t("cases.legal_basis")} name="legal_basis" value=${legalBasis}
        onInput=${setLegalBasis} error=${error} />
    </div>
    <${ErrorNote} error=${error} shown=${["reference", "title", "crime_area", "legal_basis"]} />
    <button type="submit">${t("cases.open")}</button>
  </form>`;
}

function Case({ c, allowed, onChanged }) {
  const codes = useCodes();
  const [agency, setAgency] = useState("");
  const [subject, setSubject] = useState("");
  const [body, setBody] = useState("");
  const [posts, setPosts] = useState(null);
  const [error, setError] = useState(null);
  const [posted, setPosted] = useState(null);
  const canChange = allowed.has("POST /api/v1/cases/{case_id}/members");
  const canPost = allowed.has("POST /api/v1/cases/{case_id}/posts");
  const path = `/cases/${encodeURIComponent(c.case_id)}`;
  const loadPosts = () => get(`/messages?case_id=${encodeURIComponent(c.case_id)}`).then(setPosts, setError);

  async function act(fn) {
    setError(null);
    try {
      await fn();
      onChanged();
    } catch (err) {
      setError(err);
    }
  }
  async function send(event) {
    event.preventDefault();
    setError(null);
    try {
      const done = await post(`${path}/posts`, { subject, body, language: document.documentElement.lang });
      setPosted(done.sent.length);
      setSubject("");
      setBody("");
      loadPosts();
    } catch (err) {
      setError(err);
    }
  }
  const others = (codes.partners || []).filter((p) => !c.members.includes(p));
  const id = (name) => `${c.case_id}-${name}`;
  return html`<li class="card case" data-id=${c.case_id}>
    <div class="hit-head">
      <h3 class="case-title"><${Written} value=${c.reference} /></h3>
      <span class="badge">${c.joint ? t("cases.joint") : t("cases.national")}</span>
      <span class="muted">${c.crime_area} · ${t("cases.lead")} ${c.lead_agency}</span>
    </div>
    ${c.title && html`<p><${Written} value=${c.title} /></p>`}
    <dl class="facts">
      <dt>${t("cases.legal_basis")}</dt><dd>${c.legal_basis || "–"}</dd>
      <dt>${t("agreements.valid")}</dt><dd>${formatDate(c.valid_from)} – ${formatDate(c.valid_until)}</dd>
      <dt>${t("cases.members")}</dt><dd>
        <ul class="members">${c.members.map((m) => html`<li>${m}
          ${canChange && m !== c.lead_agency && html` <button class="quiet" aria-label=${t("cases.remove_member", { agency: m })}
            onClick=${() => act(() => call("DELETE", `${path}/members/${encodeURIComponent(m)}`))}>${t("cases.remove")}</button>`}
        </li>`)}</ul></dd>
      <dt>${t("cases.history")}</dt><dd><ul class="steps">${c.history.map((h) => html`<li>${t(`cases.${h.action}`, { agency: h.agency })} · ${formatDate(h.at)}</li>`)}</ul></dd>
    </dl>
    ${canChange && others.length > 0 && html`<div class="decide">
      <${Field} id=${id("agency")} label=${t("cases.add_member")} name="agency" type="select" value=${agency}
        onInput=${setAgency} error=${error}>
        <option value="">${t("choose")}</option>
        ${others.map((p) => html`<option value=${p}>${p}</option>`)}
      </${Field}>
      <button disabled=${!agency} onClick=${() => act(() => post(`${path}/members`, { agency }).then(() => setAgency("")))}>${t("cases.add")}</button>
    </div>`}
    ${canPost && html`<form class="post" onSubmit=${send}>
      <${Field} id=${id("subject")} label=${t("msg.subject")} name="subject" value=${subject} onInput=${setSubject}
        required error=${error} />
      <${Field} id=${id("body")} label=${t("cases.post_body")} name="body" type="textarea" rows="3" value=${body}
        onInput=${setBody} required error=${error} />
      <button type="submit">${t("cases.post")}</button>
      ${posted !== null && html`<p role="status" class="ok">${t("cases.posted", { count: posted })}</p>`}
    </form>`}
    <${ErrorNote} error=${error} shown=${["agency", "subject", "body"]} />
    <button class="quiet" onClick=${loadPosts}>${t("cases.show_posts")}</button>
    ${posts && (posts.length === 0
      ? html`<p class="empty">${t("empty")}</p>`
      : html`<ul class="posts">${posts.map((m) => html`<li>
          <strong>${m.direction === "incoming" ? t("msg.from", { agency: m.partner_agency }) : t("msg.to", { agency: m.partner_agency })}</strong>
          <span class="muted"> ${formatDate(m.sent_at)}</span> — <${Written} value=${m.subject || ""} /></li>`)}</ul>`)}
  </li>`;
}
