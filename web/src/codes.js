// The node's code lists (purposes, crime areas), asked for once.
import { useEffect, useState } from "preact/hooks";
import { get } from "./api.js";

let cached = null;

export function useCodes() {
  const [codes, setCodes] = useState(cached);
  useEffect(() => {
    if (cached) return;
    get("/codes").then((found) => {
      cached = found;
      setCodes(found);
    }, () => setCodes({ purposes: [], crime_areas: [] }));
  }, []);
  return codes || { purposes: [], crime_areas: [] };
}
