// Logging in: password and TOTP code (or a recovery code); the lockout's wait after repeated
// failures; a first login enrols the authenticator (QR code) and shows the recovery codes once.
import qrcode from "qrcode-generator";
import { useEffect, useState } from "preact/hooks";
import { call, post } from "../api.js";
import { t } from "../i18n.js";
import { ErrorNote, Field, html } from "../ui.js";

export function Login({ onDone, expired }) {
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [code, setCode] = useState("");
  const [recovery, setRecovery] = useState(false);
  const [error, setError] = useState(null);
  const [wait, setWait] = useState(0);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    if (wait <= 0) return undefined;
    const timer = setTimeout(() => setWait(wait - 1), 1000);
    return () => clearTimeout(timer);
  }, [wait]);

  async function submit(event) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const body = { username, password, cookie: true };
      if (code) body[recovery ? "recovery_code" : "code"] = code.trim();
      const session = await post("/auth/login", body);
      onDone(session);
    } catch (err) {
      setError(err);
      if (err.retryAfter) setWait(err.retryAfter);
    } finally {
      setBusy(false);
      setPassword("");
      setCode("");
    }
  }

  return html`<section class="login card" aria-labelledby="login-title">
    <h1 id="login-title">${expired ? t("login.expired") : t("login.title")}</h1>
    <form onSubmit=${submit}>
      <${Field} label=${t("login.username")} name="username" value=${username}
        onInput=${setUsername} autocomplete="username" required error=${error} />
      <${Field} label=${t("login.password")} name="password" type="password" value=${password}
        onInput=${setPassword} autocomplete="current-password" required error=${error} />
      <${Field} label=${recovery ? t("login.recovery") : t("login.code")}
        name=${recovery ? "recovery_code" : "code"} value=${code} onInput=${setCode}
        autocomplete="one-time-code" inputmode=${recovery ? "text" : "numeric"} error=${error} />
      <p class="hint">${t("login.code_hint")}</p>
      <button type="button" class="link" onClick=${() => setRecovery(!recovery)}>
        ${recovery ? t("login.use_code") : t("login.use_recovery")}
      </button>
      ${wait > 0 && html`<p class="error" role="alert">${t("login.locked", { seconds: wait })}</p>`}
      ${wait <= 0 && html`<${ErrorNote} error=${error} shown=${["username", "password", "code", "recovery_code"]} />`}
      <button type="submit" disabled=${busy || wait > 0}>${t("login.submit")}</button>
    </form>
  </section>`;
}

/** First login: scan the QR code, confirm with a code, keep the recovery codes. */
export function Enrolment({ onDone }) {
  const [enrolment, setEnrolment] = useState(null);
  const [code, setCode] = useState("");
  const [codes, setCodes] = useState(null);
  const [session, setSession] = useState(null);
  const [error, setError] = useState(null);

  useEffect(() => {
    post("/auth/mfa/enrol").then(setEnrolment, setError);
  }, []);

  async function confirm(event) {
    event.preventDefault();
    setError(null);
    try {
      const done = await post("/auth/mfa/verify", { code: code.trim() });
      setCodes(done.recovery_codes);
      setSession(done.session);
    } catch (err) {
      setError(err);
    }
  }

  if (codes) {
    return html`<section class="card" aria-labelledby="codes-title">
      <h1 id="codes-title">${t("enrol.codes_title")}</h1>
      <p>${t("enrol.codes_text")}</p>
      <ol class="codes">${codes.map((c) => html`<li><code>${c}</code></li>`)}</ol>
      <button onClick=${() => onDone(session)}>${t("enrol.codes_saved")}</button>
    </section>`;
  }
  let qr = null;
  if (enrolment) {
    const image = qrcode(0, "M");
    image.addData(enrolment.otpauth_uri);
    image.make();
    qr = image.createDataURL(5, 8);
  }
  return html`<section class="card" aria-labelledby="enrol-title">
    <h1 id="enrol-title">${t("enrol.title")}</h1>
    <p>${t("enrol.text")}</p>
    ${qr && html`<img class="qr" src=${qr} alt=${t("enrol.qr_alt")} width="200" height="200" />`}
    ${enrolment && html`<p>${t("enrol.secret")} <code class="secret">${enrolment.secret}</code></p>`}
    <form onSubmit=${confirm}>
      <${Field} label=${t("login.code")} name="code" value=${code} onInput=${setCode}
        autocomplete="one-time-code" inputmode="numeric" required error=${error} />
      <${ErrorNote} error=${error} shown=${["code"]} />
      <button type="submit">${t("enrol.confirm")}</button>
    </form>
  </section>`;
}

export async function logout() {
  try {
    await call("POST", "/auth/logout");
  } catch {
    // Gone already: the page shows the login either way.
  }
}
