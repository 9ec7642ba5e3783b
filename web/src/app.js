// The workbench's shell: who is logged in, the screens their roles open (from the access
// matrix the API enforces, `routes` of /auth/me), the language, and the session's life.
// When the session ends (idle, or expired), the login is shown over the screen, which keeps
// what the user had typed; logging in again carries on where they were.
import { useEffect, useState } from "preact/hooks";
import { get, onSessionLost, post, sessionBack } from "./api.js";
import { LANGUAGES, language, restoreLanguage, setLanguage, t } from "./i18n.js";
import { useSignal } from "./state.js";
import { html } from "./ui.js";
import { Enrolment, Login, logout } from "./screens/login.js";
import { Search } from "./screens/search.js";
import { RecordView } from "./screens/record.js";
import { FollowUps } from "./screens/followups.js";
import { Notices } from "./screens/notices.js";
import { DocumentCheck } from "./screens/documents.js";
import { Inbox } from "./screens/inbox.js";
import { Cases } from "./screens/cases.js";
import { MlaTracker } from "./screens/mla.js";
import { LinkChart } from "./screens/chart.js";
import { Dashboards } from "./screens/dashboard.js";
import { Agreements } from "./screens/agreements.js";
import { Audit } from "./screens/audit.js";
import { Admin } from "./screens/admin.js";

/** Each screen: its path, its title's key, the route it needs, its component. */
export const SCREENS = [
  { path: "search", title: "nav.search", needs: "POST /api/v1/search", view: Search },
  { path: "follow-ups", title: "nav.followups", needs: "GET /api/v1/follow-ups", view: FollowUps },
  { path: "notices", title: "nav.notices", needs: "GET /api/v1/alerts", view: Notices },
  { path: "messages", title: "nav.messages", needs: "GET /api/v1/messages", view: Inbox },
  { path: "cases", title: "nav.cases", needs: "GET /api/v1/cases", view: Cases },
  { path: "mla", title: "nav.mla", needs: "GET /api/v1/mla", view: MlaTracker },
  { path: "chart", title: "nav.chart", needs: "POST /api/v1/graph/neighbourhood", view: LinkChart },
  { path: "dashboards", title: "nav.dashboards", needs: "GET /api/v1/dashboard", view: Dashboards },
  { path: "documents", title: "nav.documents", needs: "POST /api/v1/documents/check", view: DocumentCheck },
  { path: "agreements", title: "nav.agreements", needs: "GET /api/v1/agreements", view: Agreements },
  { path: "audit", title: "nav.audit", needs: "GET /api/v1/audit/verify", view: Audit },
  { path: "admin", title: "nav.admin", needs: "GET /api/v1/admin/users", view: Admin },
];
const RECORD = { path: "records", view: RecordView, needs: "GET /api/v1/records/{record_id}" };

function currentHash() {
  const [path, query = ""] = location.hash.replace(/^#\/?/, "").split("?");
  return { parts: path.split("/").filter(Boolean).map(decodeURIComponent), query: new URLSearchParams(query) };
}

export function go(path) {
  location.hash = `#/${path}`;
}

const KEEP_ALIVE_MS = 60_000;

export function App() {
  useSignal(language);
  const [me, setMe] = useState(undefined); // undefined: asking; null: logged out
  const [stage, setStage] = useState("full");
  const [lost, setLost] = useState(false);
  const [hash, setHash] = useState(currentHash());

  async function loadMe() {
    try {
      const found = await get("/auth/me");
      setStage(found.scopes.includes("mfa:enrol") ? "enrolment" : "full");
      restoreLanguage(found.subject);
      setMe(found);
      setLost(false);
      if (found.scopes.includes("mfa:enrol")) return;
      sessionBack();
    } catch {
      setMe(null);
    }
  }

  useEffect(() => {
    loadMe();
    const onHash = () => setHash(currentHash());
    window.addEventListener("hashchange", onHash);
    const stop = onSessionLost(() => setLost(true));
    return () => {
      window.removeEventListener("hashchange", onHash);
      stop();
    };
  }, []);

  // Activity keeps the session alive (a fresh token before this one ends); an idle session
  // is left to expire, and the next call finds it gone.
  useEffect(() => {
    if (!me || stage !== "full") return undefined;
    let active = false;
    const mark = () => {
      active = true;
    };
    const events = ["keydown", "pointerdown"];
    for (const e of events) window.addEventListener(e, mark);
    const timer = setInterval(async () => {
      const ends = Number(sessionStorage.getItem("accord.expires") || 0);
      if (!active || ends - Date.now() > 2 * KEEP_ALIVE_MS) return;
      active = false;
      try {
        remember(await post("/auth/refresh"));
      } catch {
        // A session past its end: the login shows.
      }
    }, KEEP_ALIVE_MS);
    return () => {
      clearInterval(timer);
      for (const e of events) window.removeEventListener(e, mark);
    };
  }, [me, stage]);

  // After a login and on every change of screen, the keyboard and the screen reader start at
  // the screen's content.
  const landing = me && stage === "full" ? `${hash.parts.join("/")}` : null;
  useEffect(() => {
    if (landing === null) return;
    const main = document.getElementById("main");
    if (main && !main.contains(document.activeElement)) main.focus();
  }, [landing, me && me.subject]);

  function remember(session) {
    sessionStorage.setItem("accord.expires", String(Date.parse(session.expires_at)));
  }

  async function loggedIn(session) {
    remember(session);
    await loadMe();
  }

  if (me === undefined) return html`<p class="loading">${t("loading")}</p>`;
  if (me === null) {
    return html`<${Frame}><main id="main" tabindex="-1"><${Login} onDone=${loggedIn} /></main></${Frame}>`;
  }
  if (stage === "enrolment") {
    return html`<${Frame}><main id="main" tabindex="-1"><${Enrolment} onDone=${loggedIn} /></main></${Frame}>`;
  }
  const allowed = new Set(me.routes);
  const screens = SCREENS.filter((s) => allowed.has(s.needs));
  const [first, ...rest] = hash.parts;
  let screen = first === RECORD.path ? RECORD : screens.find((s) => s.path === first);
  if (!screen) screen = screens[0];
  const View = screen ? screen.view : null;

  async function leave() {
    await logout();
    sessionStorage.removeItem("accord.expires");
    setMe(null);
  }

  return html`<${Frame} me=${me} onLogout=${leave}>
    <nav aria-label=${t("nav.label")} class="nav">
      <ul>
        ${screens.map(
          (s) => html`<li>
            <a href=${`#/${s.path}`} aria-current=${s === screen ? "page" : undefined}>${t(s.title)}</a>
          </li>`,
        )}
      </ul>
    </nav>
    <main id="main" tabindex="-1" inert=${lost ? true : undefined} aria-hidden=${lost ? "true" : undefined}>
      ${View ? html`<${View} me=${me} allowed=${allowed} args=${rest} query=${hash.query} />` : html`<p>${t("nav.none")}</p>`}
    </main>
    ${lost &&
    html`<div class="overlay" role="dialog" aria-modal="true" aria-labelledby="login-title">
      <${Login} expired=${true} onDone=${loggedIn} />
    </div>`}
  </${Frame}>`;
}

function Frame({ me, onLogout, children }) {
  const current = useSignal(language);
  return html`<div class="frame">
    <a class="skip" href="#main">${t("skip")}</a>
    <header class="top">
      <span class="brand">Accord${me ? html` · <span class="agency">${me.agency}</span>` : ""}</span>
      <span class="spacer"></span>
      <label class="lang">
        <span class="sr-only">${t("language")}</span>
        <select aria-label=${t("language")} value=${current}
          onChange=${(e) => setLanguage(e.currentTarget.value, me && me.subject)}>
          ${LANGUAGES.map(([code, name]) => html`<option value=${code} lang=${code}>${name}</option>`)}
        </select>
      </label>
      ${me &&
      html`<span class="who">${me.subject}</span>
        <button class="quiet" onClick=${onLogout}>${t("logout")}</button>`}
    </header>
    ${children}
  </div>`;
}
