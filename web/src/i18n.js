// Languages of the workbench. The user's choice is kept per user in this browser; dates and
// numbers follow it (Intl); record content is never translated: it is shown as written.
import { signal } from "./state.js";
import { MESSAGES } from "./messages.js";

export const LANGUAGES = [
  ["en", "English"],
  ["fr", "Français"],
  ["de", "Deutsch"],
  ["es", "Español"],
  ["ar", "العربية"],
  ["uk", "Українська"],
  ["ru", "Русский"],
];
const RTL = new Set(["ar"]);

export const language = signal(pick(localStorage.getItem("accord.lang") || navigator.language));

function pick(wanted) {
  const code = String(wanted || "en").slice(0, 2).toLowerCase();
  return MESSAGES[code] ? code : "en";
}

/** Switch language (for `user`, remembered in this browser) and turn the page's direction. */
export function setLanguage(code, user) {
  const chosen = pick(code);
  localStorage.setItem("accord.lang", chosen);
  if (user) localStorage.setItem(`accord.lang.${user}`, chosen);
  language.set(chosen);
  applyLanguage();
}

/** The language a user chose here before, if any. */
export function restoreLanguage(user) {
  const kept = user && localStorage.getItem(`accord.lang.${user}`);
  if (kept) setLanguage(kept, user);
}

export function applyLanguage() {
  const code = language.get();
  document.documentElement.lang = code;
  document.documentElement.dir = RTL.has(code) ? "rtl" : "ltr";
}

/** The message `key` in the current language, `{name}` filled from `values`. */
export function t(key, values = {}) {
  const text = MESSAGES[language.get()][key] ?? MESSAGES.en[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => String(values[name] ?? ""));
}

/** The locale for dates and numbers: the browser's own when it is of the chosen language
(en-GB, de-AT…), else the language itself. */
function locale() {
  const code = language.get();
  const own = navigator.language || "";
  return own.toLowerCase().startsWith(`${code}-`) ? own : code;
}

export function formatDate(value) {
  if (!value) return "–";
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return String(value);
  const withTime = String(value).length > 10;
  return new Intl.DateTimeFormat(locale(), {
    dateStyle: "medium",
    ...(withTime ? { timeStyle: "short" } : {}),
  }).format(date);
}

export function formatNumber(value, digits = 0) {
  return new Intl.NumberFormat(locale(), {
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  }).format(value);
}
