// The node's code lists (purposes, crime areas), asked for once and shared by every screen.
// A request that fails or is not answered in time (the node busy, the network blinking) is
// asked again, with growing pauses, for as long as a screen needs the lists: a form must never
// stay without its choices because one request was lost.
import { useEffect, useState } from "preact/hooks";
import { call } from "./api.js";

const EMPTY = { purposes: [], crime_areas: [] };
const TIMEOUT_MS = 8000;
const FIRST_PAUSE_MS = 250;
const LONGEST_PAUSE_MS = 4000;
let cached = null;
let pending = null;

function load() {
  if (!pending) {
    pending = call("GET", "/codes", undefined, "application/json", { timeoutMs: TIMEOUT_MS }).then(
      (found) => (cached = found),
      (err) => {
        pending = null;
        throw err;
      },
    );
  }
  return pending;
}

export function useCodes() {
  const [codes, setCodes] = useState(cached);
  useEffect(() => {
    if (cached) return undefined;
    let gone = false;
    let timer = null;
    const attempt = (pause) =>
      load().then(
        (found) => !gone && setCodes(found),
        (err) => {
          // A lost session is the login screen's business, not a reason to keep asking.
          if (gone || err.status === 401 || err.status === 403) return;
          timer = setTimeout(() => attempt(Math.min(pause * 2, LONGEST_PAUSE_MS)), pause);
        },
      );
    attempt(FIRST_PAUSE_MS);
    return () => {
      gone = true;
      clearTimeout(timer);
    };
  }, []);
  return codes || EMPTY;
}
