// The node's code lists (purposes, crime areas), asked for once and shared by every screen.
// A request that fails or is not answered in time (the node busy, the network blinking) is
// asked again, with growing pauses, for as long as a screen needs the lists: a form must never
// stay without its choices because one request was lost. A request refused because the session
// had ended is asked again once the user has logged in again.
import { useEffect, useState } from "preact/hooks";
import { call, onSessionBack } from "./api.js";

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
    // The lists may have come between this screen's first drawing and now.
    if (cached) {
      setCodes(cached);
      return undefined;
    }
    let gone = false;
    let timer = null;
    let waiting = null;
    const attempt = (pause) =>
      load().then(
        (found) => !gone && setCodes(found),
        (err) => {
          if (gone) return;
          // A lost session is the login's business; the lists are asked for again after it.
          if (err.status === 401 || err.status === 403) {
            if (!waiting) {
              waiting = onSessionBack(() => {
                waiting();
                waiting = null;
                attempt(FIRST_PAUSE_MS);
              });
            }
            return;
          }
          timer = setTimeout(() => attempt(Math.min(pause * 2, LONGEST_PAUSE_MS)), pause);
        },
      );
    attempt(FIRST_PAUSE_MS);
    return () => {
      gone = true;
      clearTimeout(timer);
      if (waiting) waiting();
    };
  }, []);
  return codes || EMPTY;
}
