// The node's code lists (purposes, crime areas), asked for once and shared by every screen.
// A request that fails (the node busy, the network blinking) is asked again, a few times, so
// that a form never stays without its choices.
import { useEffect, useState } from "preact/hooks";
import { get } from "./api.js";

const EMPTY = { purposes: [], crime_areas: [] };
const TRIES = 10;
const PAUSE_MS = 500;
let cached = null;
let pending = null;

function load() {
  if (!pending) {
    pending = get("/codes").then(
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
    const attempt = (left) =>
      load().then(
        (found) => !gone && setCodes(found),
        () => {
          if (!gone && left > 1) timer = setTimeout(() => attempt(left - 1), PAUSE_MS);
        },
      );
    attempt(TRIES);
    return () => {
      gone = true;
      clearTimeout(timer);
    };
  }, []);
  return codes || EMPTY;
}
