// A world map drawn in the browser from data shipped in npm packages — no tile server, so a
// node that runs offline draws it too: the countries of Natural Earth at 1:110m
// (world-atlas, TopoJSON, ISO 3166-1 numeric ids), turned into GeoJSON by topojson-client,
// projected by d3-geo (Equal Earth), matched to ISO alpha-2 codes by i18n-iso-countries;
// countries' names come from the browser (Intl.DisplayNames) in the user's language.
// SVG presentation attributes (fill), not style attributes: the CSP allows no inline style.
import { geoEqualEarth, geoPath } from "d3-geo";
import countries from "i18n-iso-countries";
import { feature } from "topojson-client";
import world from "world-atlas/countries-110m.json";
import { language } from "./i18n.js";
import { html } from "./ui.js";

const WIDTH = 960;
const HEIGHT = 470;
const SHAPES = feature(world, world.objects.countries).features;
const projection = geoEqualEarth().fitSize([WIDTH, HEIGHT], { type: "Sphere" });
const path = geoPath(projection);
const DRAWN = SHAPES.map((f) => ({ numeric: String(f.id).padStart(3, "0"), d: path(f) })).filter((s) => s.d);
const STEPS = ["#c6dbef", "#6baed6", "#2171b5", "#08306b"];
const HOME = "#f0a000";

/** A country's name in the user's language (its code when the browser has none). */
export function countryName(alpha2) {
  try {
    return new Intl.DisplayNames([language.get()], { type: "region" }).of(alpha2) || alpha2;
  } catch {
    return alpha2;
  }
}

/** `values`: {alpha2: number}; `home`: this node's country, marked apart. */
export function WorldMap({ values, home, label, unit }) {
  const byNumeric = new Map();
  for (const [alpha2, value] of Object.entries(values)) {
    const numeric = countries.alpha2ToNumeric(alpha2);
    if (numeric) byNumeric.set(numeric, [alpha2, value]);
  }
  const top = Math.max(1, ...Object.values(values));
  const homeNumeric = home ? countries.alpha2ToNumeric(home) : null;
  const fill = (numeric) => {
    if (numeric === homeNumeric) return HOME;
    const found = byNumeric.get(numeric);
    if (!found) return "#e4e8ed";
    return STEPS[Math.min(STEPS.length - 1, Math.floor((found[1] / top) * (STEPS.length - 1)))];
  };
  return html`<svg class="worldmap" viewBox=${`0 0 ${WIDTH} ${HEIGHT}`} role="img" aria-label=${label}>
    <path d=${path({ type: "Sphere" })} fill="#ffffff" stroke="#c9d1da" />
    ${DRAWN.map((s) => {
      const found = byNumeric.get(s.numeric);
      const alpha2 = found ? found[0] : countries.numericToAlpha2(s.numeric);
      return html`<path d=${s.d} fill=${fill(s.numeric)} stroke="#ffffff" stroke-width="0.5"
        data-country=${alpha2 || undefined}>
        ${(found || s.numeric === homeNumeric) && html`<title>${countryName(alpha2)}${found ? `: ${found[1]} ${unit}` : ""}</title>`}
      </path>`;
    })}
  </svg>`;
}
