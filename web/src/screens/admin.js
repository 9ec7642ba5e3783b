// Administration: the node's users and their roles, API tokens, partner nodes.
import { useEffect, useState } from "preact/hooks";
import { call, get } from "../api.js";
import { formatDate, t } from "../i18n.js";
import { ErrorNote, html } from "../ui.js";

const ROLES = [
  "analyst", "investigator", "liaison_officer", "supervisor", "document_checker",
  "data_protection_officer", "auditor", "node_admin",
];

export function Admin() {
  const [users, setUsers] = useState([]);
  const [tokens, setTokens] = useState([]);
  const [partners, setPartners] = useState([]);
  const [error, setError] = useState(null);
  const load = () => {
    get("/admin/users").then(setUsers, setError);
    get("/admin/tokens").then(setTokens, setError);
    get("/admin/partners").then(setPartners, setError);
  };
  useEffect(load, []);

  async function toggle(user, role) {
    const roles = user.roles.includes(role) ? user.roles.filter((r) => r !== role) : [...user.roles, role];
    setError(null);
    try {
      await call("PUT", `/admin/users/${encodeURIComponent(user.username)}/roles`, { roles });
      load();
    } catch (err) {
      setError(err);
    }
  }

  return html`<section aria-labelledby="admin-title">
    <h1 id="admin-title">${t("admin.title")}</h1>
    <${ErrorNote} error=${error} />
    <h2>${t("admin.users")}</h2>
    <table class="table">
      <thead><tr>
        <th scope="col">${t("login.username")}</th><th scope="col">${t("admin.roles")}</th>
        <th scope="col">MFA</th><th scope="col">${t("admin.last_login")}</th>
      </tr></thead>
      <tbody>
        ${users.map(
          (u) => html`<tr data-user=${u.username}>
            <td>${u.username}${u.disabled ? ` (${t("admin.disabled")})` : ""}</td>
            <td><fieldset class="roles"><legend class="sr-only">${t("admin.roles")} ${u.username}</legend>
              ${ROLES.map(
                (r) => html`<label class="check"><input type="checkbox" checked=${u.roles.includes(r)}
                  onChange=${() => toggle(u, r)} /> ${r}</label>`,
              )}
            </fieldset></td>
            <td>${u.mfa}</td><td>${formatDate(u.last_login_at)}</td>
          </tr>`,
        )}
      </tbody>
    </table>
    <h2>${t("admin.tokens")}</h2>
    ${tokens.length === 0 ? html`<p class="empty">${t("empty")}</p>` : html`<table class="table">
      <thead><tr><th scope="col">${t("admin.name")}</th><th scope="col">${t("admin.roles")}</th>
        <th scope="col">${t("admin.expires")}</th><th scope="col">${t("admin.state")}</th></tr></thead>
      <tbody>${tokens.map((k) => html`<tr><td>${k.name}</td><td>${k.roles.join(", ")}</td>
        <td>${formatDate(k.expires_at)}</td><td>${k.revoked ? t("admin.revoked") : t("admin.active")}</td></tr>`)}</tbody>
    </table>`}
    <h2>${t("admin.partners")}</h2>
    <table class="table">
      <thead><tr><th scope="col">${t("admin.agency")}</th><th scope="col">URL</th>
        <th scope="col">${t("admin.fingerprint")}</th><th scope="col">${t("admin.valid_until")}</th></tr></thead>
      <tbody>${partners.map((p) => html`<tr><td>${p.agency} <code>${p.node_id}</code></td><td><code>${p.url}</code></td>
        <td><code class="hash">${p.tls_fingerprint}</code></td>
        <td>${p.valid_until ? formatDate(p.valid_until) : "–"}${p.valid ? "" : ` (${t("admin.expired")})`}</td></tr>`)}</tbody>
    </table>
  </section>`;
}
