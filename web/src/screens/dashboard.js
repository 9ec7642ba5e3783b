// The dashboards: the success metrics the field reports, from the node's ledger
// (GET /api/v1/dashboard): searches and hit rates per partner, partners' response times,
// follow-up and MLA turnaround, document checks per day, disclosures per clause. Each chart
// (Chart.js, loaded when the screen opens) has its figures in a table beside it, for the
// keyboard and the screen reader. The world map of hits by partner country is drawn from
// data shipped in npm packages (worldmap.js), loaded with the screen.
import { useEffect, useRef, useState } from "preact/hooks";
import { get } from "../api.js";
import { formatDate, formatNumber, language, t } from "../i18n.js";
import { ErrorNote, html } from "../ui.js";

const WINDOWS = [7, 30, 90, 365];
const COLOURS = { hits: "#a4161a", no_hit: "#7b8794", unavailable: "#7a4b00", full: "#17613a", reference: "#0b4f8a", none: "#7b8794", deny: "#a4161a" };

let loaded = null;
function chartJs() {
  if (!loaded) {
    loaded = import("chart.js").then(({ Chart, registerables }) => {
      Chart.register(...registerables);
      Chart.defaults.animation = false;
      Chart.defaults.font.family = getComputedStyle(document.documentElement).fontFamily;
      return Chart;
    });
  }
  return loaded;
}

/** One chart on a canvas; `config` is Chart.js's, remade when `data` changes. */
function ChartCanvas({ label, config, data }) {
  const canvas = useRef(null);
  useEffect(() => {
    let chart = null;
    let gone = false;
    chartJs().then((Chart) => {
      if (gone || !canvas.current) return;
      chart = new Chart(canvas.current, { ...config(), options: { responsive: true, maintainAspectRatio: false, locale: language.get(), ...config().options } });
    });
    return () => {
      gone = true;
      if (chart) chart.destroy();
    };
  }, [data, language.get()]);
  return html`<div class="plot"><canvas ref=${canvas} role="img" aria-label=${label}></canvas></div>`;
}

export function Dashboards({ me }) {
  const [days, setDays] = useState(30);
  const [data, setData] = useState(null);
  const [error, setError] = useState(null);
  useEffect(() => {
    setError(null);
    get(`/dashboard?days=${days}`).then(setData, setError);
  }, [days]);
  return html`<section aria-labelledby="dash-title">
    <h1 id="dash-title">${t("dash.title")}</h1>
    <div class="filters" role="group" aria-label=${t("dash.window")}>
      ${WINDOWS.map((d) => html`<button class="quiet" aria-pressed=${d === days ? "true" : "false"}
        onClick=${() => setDays(d)}>${t("dash.days", { days: d })}</button>`)}
    </div>
    <${ErrorNote} error=${error} />
    ${data && html`<p class="muted">${t("dash.since", { since: formatDate(data.since), until: formatDate(data.until) })}</p>
      <div class="dash-grid">
        <${HitsMap} data=${data} home=${me.agency.slice(0, 2)} />
        <${Searches} data=${data} />
        <${Responses} data=${data} />
        <${Turnaround} data=${data} />
        <${Checks} data=${data} />
        <${Disclosures} data=${data} />
      </div>`}
  </section>`;
}

const num = (value, digits = 0) => (value == null ? "–" : formatNumber(value, digits));

function Panel({ id, title, children }) {
  return html`<section class="card dash" aria-labelledby=${id}><h2 id=${id}>${title}</h2>${children}</section>`;
}

function Searches({ data }) {
  const rows = data.searches;
  const config = () => ({
    type: "bar",
    data: {
      labels: rows.map((r) => r.agency),
      datasets: ["hits", "no_hit", "unavailable"].map((k) => ({ label: t(`search.status.${k}`), data: rows.map((r) => r[k]), backgroundColor: COLOURS[k] })),
    },
    options: { scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true } } },
  });
  return html`<${Panel} id="dash-searches" title=${t("dash.searches")}>
    ${rows.length === 0 ? html`<p class="empty">${t("empty")}</p>` : html`<${ChartCanvas} label=${t("dash.searches")} config=${config} data=${data} />
    <table class="table"><thead><tr><th>${t("admin.agency")}</th><th class="num">${t("search.status.hits")}</th>
      <th class="num">${t("search.status.no_hit")}</th><th class="num">${t("search.status.unavailable")}</th><th class="num">${t("dash.hit_rate")}</th></tr></thead>
      <tbody>${rows.map((r) => html`<tr data-agency=${r.agency}><th scope="row">${r.agency}</th><td class="num">${num(r.hits)}</td><td class="num">${num(r.no_hit)}</td>
        <td class="num">${num(r.unavailable)}</td><td class="num">${r.hit_rate == null ? "–" : `${formatNumber(r.hit_rate * 100, 1)} %`}</td></tr>`)}</tbody></table>`}
  </${Panel}>`;
}

function Responses({ data }) {
  const rows = data.searches.filter((r) => r.seconds.count > 0);
  const config = () => ({
    type: "bar",
    data: {
      labels: rows.map((r) => r.agency),
      datasets: [
        { label: t("dash.median"), data: rows.map((r) => r.seconds.median), backgroundColor: "#0b4f8a" },
        { label: t("dash.p90"), data: rows.map((r) => r.seconds.p90), backgroundColor: "#7b8794" },
      ],
    },
    options: { scales: { y: { beginAtZero: true, title: { display: true, text: t("dash.seconds") } } } },
  });
  return html`<${Panel} id="dash-responses" title=${t("dash.responses")}>
    ${rows.length === 0 ? html`<p class="empty">${t("empty")}</p>` : html`<${ChartCanvas} label=${t("dash.responses")} config=${config} data=${data} />
    <table class="table"><thead><tr><th>${t("admin.agency")}</th><th class="num">${t("dash.answers")}</th><th class="num">${t("dash.median")}</th><th class="num">${t("dash.p90")}</th></tr></thead>
      <tbody>${rows.map((r) => html`<tr><th scope="row">${r.agency}</th><td class="num">${num(r.seconds.count)}</td>
        <td class="num">${num(r.seconds.median, 3)} s</td><td class="num">${num(r.seconds.p90, 3)} s</td></tr>`)}</tbody></table>`}
  </${Panel}>`;
}

function Turnaround({ data }) {
  const rows = [
    ...data.follow_ups.map((r) => ({ ...r, what: t(r.direction === "outgoing" ? "dash.fu_out" : "dash.fu_in") })),
    ...data.mla.map((r) => ({ agency: r.agency, count: r.count, median: r.median_days, p90: r.p90_days, what: t("dash.mla_out") })),
  ];
  return html`<${Panel} id="dash-turnaround" title=${t("dash.turnaround")}>
    <p>${t("dash.mla_open", { open: num(data.mla_open), overdue: num(data.mla_overdue) })}</p>
    ${rows.length === 0 ? html`<p class="empty">${t("empty")}</p>` : html`<table class="table">
      <thead><tr><th>${t("dash.what")}</th><th>${t("admin.agency")}</th><th class="num">${t("dash.closed")}</th>
        <th class="num">${t("dash.median")}</th><th class="num">${t("dash.p90")}</th></tr></thead>
      <tbody>${rows.map((r) => html`<tr><td>${r.what}</td><th scope="row">${r.agency}</th><td class="num">${num(r.count)}</td>
        <td class="num">${t("mla.days", { days: num(r.median, 2) })}</td><td class="num">${t("mla.days", { days: num(r.p90, 2) })}</td></tr>`)}</tbody></table>`}
  </${Panel}>`;
}

function Checks({ data }) {
  const rows = data.document_checks;
  const config = () => ({
    type: "line",
    data: {
      labels: rows.map((r) => formatDate(r.day)),
      datasets: [
        { label: t("dash.checks"), data: rows.map((r) => r.checks), borderColor: "#0b4f8a", backgroundColor: "#0b4f8a" },
        { label: t("dash.hits"), data: rows.map((r) => r.hits), borderColor: "#a4161a", backgroundColor: "#a4161a" },
      ],
    },
    options: { scales: { y: { beginAtZero: true } } },
  });
  const busy = rows.filter((r) => r.checks > 0);
  return html`<${Panel} id="dash-checks" title=${t("dash.checks_per_day")}>
    <${ChartCanvas} label=${t("dash.checks_per_day")} config=${config} data=${data} />
    ${busy.length === 0 ? html`<p class="empty">${t("empty")}</p>` : html`<table class="table">
      <thead><tr><th>${t("chart.date")}</th><th class="num">${t("dash.checks")}</th><th class="num">${t("dash.hits")}</th></tr></thead>
      <tbody>${busy.map((r) => html`<tr><th scope="row">${formatDate(r.day)}</th><td class="num">${num(r.checks)}</td><td class="num">${num(r.hits)}</td></tr>`)}</tbody></table>`}
  </${Panel}>`;
}

function Disclosures({ data }) {
  const rows = data.disclosures.slice(0, 15);
  const modes = [...new Set(rows.flatMap((r) => Object.keys(r.modes)))];
  const config = () => ({
    type: "bar",
    data: {
      labels: rows.map((r) => r.clause),
      datasets: modes.map((m) => ({ label: t(`mode.${m}`), data: rows.map((r) => r.modes[m] || 0), backgroundColor: COLOURS[m] || "#5b2a86" })),
    },
    options: { indexAxis: "y", scales: { x: { stacked: true, beginAtZero: true }, y: { stacked: true } } },
  });
  return html`<${Panel} id="dash-disclosures" title=${t("dash.disclosures")}>
    ${rows.length === 0 ? html`<p class="empty">${t("empty")}</p>` : html`<${ChartCanvas} label=${t("dash.disclosures")} config=${config} data=${data} />
    <table class="table"><thead><tr><th>${t("dash.clause")}</th>${modes.map((m) => html`<th class="num">${t(`mode.${m}`)}</th>`)}</tr></thead>
      <tbody>${rows.map((r) => html`<tr><th scope="row"><code>${r.clause}</code></th>${modes.map((m) => html`<td class="num">${num(r.modes[m] || 0)}</td>`)}</tr>`)}</tbody></table>`}
  </${Panel}>`;
}

let mapModule = null;

function HitsMap({ data, home }) {
  const [map, setMap] = useState(mapModule);
  useEffect(() => {
    if (mapModule) return;
    import("../worldmap.js").then((found) => {
      mapModule = found;
      setMap(found);
    });
  }, []);
  const byCountry = {};
  for (const r of data.searches) {
    const country = r.agency.slice(0, 2);
    byCountry[country] = (byCountry[country] || 0) + r.hits;
  }
  const rows = Object.entries(byCountry).sort((a, b) => b[1] - a[1]);
  return html`<${Panel} id="dash-map" title=${t("dash.map")}>
    ${map && html`<${map.WorldMap} values=${byCountry} home=${home} label=${t("dash.map")} unit=${t("dash.hits")} />`}
    <p class="muted">${t("dash.map_home", { country: map ? map.countryName(home) : home })}</p>
    ${rows.length === 0 ? html`<p class="empty">${t("empty")}</p>` : html`<table class="table">
      <thead><tr><th>${t("dash.country")}</th><th class="num">${t("dash.hits")}</th></tr></thead>
      <tbody>${rows.map(([country, hits]) => html`<tr data-country=${country}><th scope="row">${map ? map.countryName(country) : country}</th>
        <td class="num">${num(hits)}</td></tr>`)}</tbody></table>`}
  </${Panel}>`;
}
