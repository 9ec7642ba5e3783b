// Notices and live alerts: the watchlist's alerts arrive on the event stream
// (/api/v1/events, server-sent events) while the screen is open, announced to screen readers.
import { useEffect, useState } from "preact/hooks";
import { get, post } from "../api.js";
import { formatDate, formatNumber, t } from "../i18n.js";
import { ErrorNote, Written, html } from "../ui.js";

export function Notices({ allowed }) {
  const [alerts, setAlerts] = useState([]);
  const [notices, setNotices] = useState([]);
  const [live, setLive] = useState("connecting");
  const [latest, setLatest] = useState(null);
  const [error, setError] = useState(null);

  const loadAlerts = () => get("/alerts").then(setAlerts, setError);
  useEffect(() => {
    loadAlerts();
    if (allowed.has("GET /api/v1/notices")) get("/notices").then(setNotices, setError);
    if (!allowed.has("GET /api/v1/events")) return undefined;
    const stream = new EventSource("/api/v1/events");
    stream.onopen = () => {
      setLive("open");
      loadAlerts(); // what arrived before the stream was open is not sent on it
    };
    stream.onerror = () => setLive("reconnecting");
    stream.addEventListener("alert", (event) => {
      const alert = JSON.parse(event.data);
      setLatest(alert);
      loadAlerts();
    });
    stream.addEventListener("alert_ack", () => loadAlerts());
    return () => stream.close();
  }, []);

  async function ack(alert) {
    try {
      await post(`/alerts/${alert.id}/ack`, {});
      loadAlerts();
    } catch (err) {
      setError(err);
    }
  }

  const canAck = allowed.has("POST /api/v1/alerts/{alert_id}/ack");
  return html`<section aria-labelledby="notices-title">
    <h1 id="notices-title">${t("notices.title")}</h1>
    <p class=${`live live-${live}`}>${t(`notices.live.${live}`)}</p>
    <div aria-live="assertive" class="toast-area">
      ${latest &&
      html`<p class="toast" role="alert">${t("notices.new_alert", { notice: latest.notice_id || "" })}
        — ${latest.action || ""}</p>`}
    </div>
    <${ErrorNote} error=${error} />
    <h2>${t("notices.alerts")}</h2>
    ${alerts.length === 0
      ? html`<p class="empty">${t("empty")}</p>`
      : html`<table class="table">
          <thead><tr>
            <th scope="col">${t("notices.when")}</th><th scope="col">${t("notices.notice")}</th>
            <th scope="col">${t("notices.record")}</th><th scope="col">${t("search.score")}</th>
            <th scope="col">${t("notices.action")}</th><th scope="col"><span class="sr-only">${t("notices.ack")}</span></th>
          </tr></thead>
          <tbody>
            ${alerts.map(
              (a) => html`<tr class=${a.acked ? "acked" : "fresh"} data-alert=${a.id}>
                <td>${formatDate(a.created_at)}</td>
                <td>${a.notice_agency} <code>${a.notice_id}</code></td>
                <td>${a.holder_agency} ${a.record.id ? html`<code>${a.record.id}</code>` : ""}</td>
                <td>${formatNumber(a.score * 100)} %</td>
                <td>${a.action}</td>
                <td>${a.acked
                  ? t("notices.acked")
                  : canAck && html`<button class="secondary" onClick=${() => ack(a)}>${t("notices.ack")}</button>`}</td>
              </tr>`,
            )}
          </tbody>
        </table>`}
    ${allowed.has("GET /api/v1/notices") &&
    html`<h2>${t("notices.notices")}</h2>
      ${notices.length === 0
        ? html`<p class="empty">${t("empty")}</p>`
        : html`<ul class="notices">
            ${notices.map(
              (n) => html`<li class=${`card notice notice-${n.type}`}>
                <span class="badge">${n.type_label}</span> <strong><${Written} value=${n.subject.caption} /></strong>
                <span class="muted">${n.issuing_agency} · ${n.status} · ${formatDate(n.valid_until)}</span>
                <p>${n.requested_action}</p>
              </li>`,
            )}
          </ul>`}`}
  </section>`;
}
