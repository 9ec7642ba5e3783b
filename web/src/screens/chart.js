// The link chart (Cytoscape.js) over the node's graph API: open a record's neighbourhood,
// expand a record's neighbours, find the shortest paths between two records, colour the
// communities, follow the money with each payment's amount and date, show the rings of
// records sharing identifiers; export the chart as PNG or the graph as GraphML, GEXF,
// Cytoscape JSON or i2 CSV. Every request states its purpose and goes to the ledger.
// The canvas is for the eye; the list of records beside it is the keyboard's way in: each
// record there selects, expands and starts a path or a money trail. Cytoscape.js is loaded when
// the screen first opens, so the other screens do not wait for it.
import { useEffect, useRef, useState } from "preact/hooks";
import { ApiError, call, post } from "../api.js";
import { useCodes } from "../codes.js";
import { formatDate, formatNumber, t } from "../i18n.js";
import { ErrorNote, Field, Written, html } from "../ui.js";

const PALETTE = ["#0b4f8a", "#a4161a", "#17613a", "#7a4b00", "#5b2a86", "#00707a", "#8a3b00", "#3d4f00"];
const LARGE = 2000;
const LISTED = 200;
const HOPS_SHOWN = 10;
const FORMATS = [
  ["graphml", "graphml", "application/graphml+xml"],
  ["gexf", "gexf", "application/gexf+xml"],
  ["cytoscape", "json", "application/json"],
  ["i2-csv", "csv", "text/csv"],
];

export const key = (ref) => `${ref.owner}:${ref.id}`;

/** The chart's elements for vertices and edges of a graph answer. */
export function elements(vertices, edges) {
  const nodes = vertices.map((v) => ({
    group: "nodes",
    data: { id: key(v), label: v.caption || v.id, schema: v.schema, owner: v.owner, record: v.id, distance: v.distance },
    classes: v.schema,
  }));
  const links = edges.map((e) => {
    const money = e.amount != null;
    const label = money
      ? `${formatNumber(e.amount, 2)} ${e.currency || ""}${e.start ? ` · ${formatDate(e.start)}` : ""}`
      : e.label;
    const id = `${key(e.source)}>${key(e.target)}:${e.kind}:${e.label}:${e.record ? key(e.record) : e.value || ""}`;
    return {
      group: "edges",
      data: { id, source: key(e.source), target: key(e.target), label, kind: e.kind },
      classes: `${e.kind}${money ? " payment" : ""}`,
    };
  });
  return [...nodes, ...links];
}

/** Places nodes on rings by their hop distance from the start (the start alone at the centre),
each ring its nodes `spacing` apart and at least `spacing` outside the one within: what the
concentric layout draws, in one pass over the nodes. Cytoscape.js's own layout takes about a
second for 5,000 records in the browser, most of the time such a chart takes to appear. */
export function ringPositions(nodes, spacing = 26) {
  const rings = new Map();
  for (const node of nodes) {
    const distance = node.data.distance ?? HOPS_SHOWN;
    if (!rings.has(distance)) rings.set(distance, []);
    rings.get(distance).push(node);
  }
  let radius = null;
  for (const distance of [...rings.keys()].sort((a, b) => a - b)) {
    const ring = rings.get(distance);
    const around = ring.length > 1 ? (ring.length * spacing) / (2 * Math.PI) : 0;
    radius = radius === null ? around : Math.max(radius + spacing, around);
    ring.forEach((node, i) => {
      const angle = (2 * Math.PI * i) / ring.length;
      node.position = { x: radius * Math.cos(angle), y: radius * Math.sin(angle) };
    });
  }
  return nodes;
}

const STYLE = [
  { selector: "node", style: { label: "data(label)", "font-size": 10, "min-zoomed-font-size": 7, "background-color": "#7b8794", color: "#1b1f24", "text-valign": "bottom", "text-margin-y": 4, width: 22, height: 22 } },
  { selector: "node.Person", style: { shape: "ellipse" } },
  { selector: "node.Company, node.Organization, node.LegalEntity", style: { shape: "round-rectangle" } },
  { selector: "node.BankAccount, node.CryptoWallet", style: { shape: "diamond" } },
  { selector: ".bulk", style: { label: "" } },
  { selector: "node.bulk:selected", style: { label: "data(label)" } },
  { selector: "node:selected", style: { "border-width": 4, "border-color": "#f0a000" } },
  { selector: "node.path, edge.path", style: { "line-color": "#f0a000", "target-arrow-color": "#f0a000", "border-width": 3, "border-color": "#f0a000" } },
  { selector: "node.ring", style: { "border-width": 4, "border-color": "#a4161a" } },
  { selector: "edge", style: { width: 1.5, "line-color": "#9aa5b1", "curve-style": "bezier", label: "data(label)", "font-size": 8, "min-zoomed-font-size": 7, "text-rotation": "autorotate", color: "#4a5561" } },
  { selector: "edge.same_as", style: { "line-style": "dashed" } },
  { selector: "edge.shared", style: { "line-style": "dotted" } },
  { selector: "edge.payment", style: { width: 2.5, "line-color": "#17613a", "target-arrow-shape": "triangle", "target-arrow-color": "#17613a", color: "#17613a" } },
  // On a chart of thousands, plain links are drawn as straight haystack lines (no curve to
  // compute per frame); payments keep their curve and arrow, which show the money's direction.
  { selector: "edge.bulk", style: { "curve-style": "haystack", "haystack-radius": 0, "text-rotation": "none" } },
  { selector: "edge.bulk.payment", style: { "curve-style": "bezier" } },
  ...PALETTE.map((colour, i) => ({ selector: `node.c${i}`, style: { "background-color": colour } })),
];

/** Cytoscape.js puts a <style> element into the page unless one of its id is there; the
Content-Security-Policy (no inline styles) would refuse it. Its one rule (the container is
positioned) is in style.css, so an empty marker of that id takes its place. */
function claimCytoscapeStylesheet() {
  const id = "__________cytoscape_stylesheet";
  if (document.getElementById(id)) return;
  const marker = document.createElement("meta");
  marker.id = id;
  document.head.prepend(marker);
}

function download(name, blob) {
  const url = URL.createObjectURL(blob);
  const link = document.createElement("a");
  link.href = url;
  link.download = name;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

export function LinkChart({ allowed, query }) {
  const codes = useCodes();
  const box = useRef(null);
  const cy = useRef(null);
  const [purpose, setPurpose] = useState("investigation");
  const [reference, setReference] = useState("");
  const [crimeArea, setCrimeArea] = useState("");
  const [start, setStart] = useState(query.get("start") || "");
  const [hops, setHops] = useState("2");
  const [target, setTarget] = useState("");
  const [records, setRecords] = useState([]);
  const [selected, setSelected] = useState(null);
  const [note, setNote] = useState(null);
  const [rings, setRings] = useState(null);
  const [flow, setFlow] = useState(null);
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const [find, setFind] = useState("");

  const [ready, setReady] = useState(false);
  useEffect(() => {
    let chart = null;
    let gone = false;
    import("cytoscape").then(({ default: cytoscape }) => {
      if (gone) return;
      claimCytoscapeStylesheet();
      // Labels too small to read are not drawn, and a moving viewport is drawn from a
      // texture: a chart of thousands of records stays responsive.
      chart = cytoscape({
        container: box.current, style: STYLE, minZoom: 0.02, textureOnViewport: true,
        hideEdgesOnViewport: true, motionBlur: false,
      });
      chart.on("select", "node", (e) => setSelected(e.target.id()));
      cy.current = chart;
      setReady(true);
    }, () => setError(new ApiError(0, { message: "the chart's script did not load" })));
    return () => {
      gone = true;
      if (chart) chart.destroy();
    };
  }, []);

  const stated = () => ({ purpose, reference, crime_area: crimeArea });

  function show(vertices, edges, { replace = false } = {}) {
    const chart = cy.current;
    let placed = false;
    chart.batch(() => {
      if (replace) chart.elements().remove();
      const fresh = elements(vertices, edges).filter((el) => chart.getElementById(el.data.id).length === 0);
      // On a chart of thousands, labels are drawn for the chosen record only: measuring every
      // label's box is most of the time such a chart takes to appear.
      const large = chart.elements().length + fresh.length > LARGE;
      if (large) {
        for (const el of fresh) el.classes = `${el.classes} bulk`;
      }
      const nodes = fresh.filter((el) => el.group === "nodes");
      // A fresh chart of thousands comes placed on its rings; nothing to lay out after.
      placed = large && chart.elements().length === 0;
      chart.add(placed ? ringPositions(nodes) : nodes);
      chart.add(fresh.filter((el) => el.group === "edges" && chart.getElementById(el.data.source).length && chart.getElementById(el.data.target).length));
    });
    // A force-directed layout while it stays interactive; past that, rings by hop distance
    // from the start (a force layout of thousands of records in the browser takes too long).
    if (!placed) {
      const layout = chart.elements().length > LARGE
        ? { name: "concentric", animate: false, fit: false, avoidOverlap: false, concentric: (n) => HOPS_SHOWN - (n.data("distance") ?? HOPS_SHOWN), levelWidth: () => 1, minNodeSpacing: 4 }
        : { name: "cose", animate: false, fit: false, randomize: replace, nodeDimensionsIncludeLabels: true, numIter: 600 };
      chart.layout(layout).run();
    }
    chart.fit(undefined, 30);
    const collator = new Intl.Collator();
    setRecords(chart.nodes().map((n) => n.data()).sort((a, b) => collator.compare(a.label, b.label)));
  }

  async function ask(operation, body, then) {
    setError(null);
    setBusy(true);
    try {
      then(await post(`/graph/${operation}`, { ...stated(), ...body }));
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  function open(event) {
    event.preventDefault();
    setRings(null);
    setFlow(null);
    ask("neighbourhood", { start, hops: Number(hops) }, (found) => {
      show(found.vertices, found.edges, { replace: true });
      setNote(found.truncated ? t("chart.truncated", { limit: formatNumber(found.limit) }) : t("chart.shown", { records: formatNumber(found.vertices.length), links: formatNumber(found.edges.length) }));
      select(key(found.start));
    });
  }

  function select(id) {
    const chart = cy.current;
    // One redraw, not three: on a chart of thousands each costs a frame of every element.
    chart.batch(() => {
      chart.$("node:selected").unselect();
      const node = chart.getElementById(id);
      if (node.length) {
        node.select();
        chart.center(node);
      }
    });
    setSelected(id);
  }

  const expand = (id) => ask("neighbourhood", { start: id, hops: 1 }, (found) => {
    show(found.vertices, found.edges);
    setNote(t("chart.expanded", { records: formatNumber(found.vertices.length) }));
  });

  const findPaths = (id) => ask("paths", { source: id, target }, (found) => {
    const chart = cy.current;
    chart.elements().removeClass("path");
    if (!found.connected) {
      setNote(t("chart.no_path"));
      return;
    }
    for (const p of found.paths) show(p.vertices, p.edges);
    for (const p of found.paths) {
      for (const v of p.vertices) chart.getElementById(key(v)).addClass("path");
      for (const e of elements([], p.edges)) chart.getElementById(e.data.id).addClass("path");
    }
    setNote(t("chart.paths", { count: found.paths.length, length: found.paths[0].length }));
  });

  const communities = () => ask("communities", { min_size: 2, limit: PALETTE.length }, (found) => {
    const chart = cy.current;
    PALETTE.forEach((_, i) => chart.nodes().removeClass(`c${i}`));
    let coloured = 0;
    found.communities.forEach((c, i) => {
      for (const m of c.members) {
        const node = chart.getElementById(key(m));
        if (node.length) {
          node.addClass(`c${i % PALETTE.length}`);
          coloured += 1;
        }
      }
    });
    setNote(t("chart.communities", { count: found.communities.length, coloured }));
  });

  const money = (id) => ask("money-flow", { start: id }, (found) => {
    const ends = found.payments.flatMap((p) => [p.source, p.target]);
    const known = new Map(records.map((r) => [r.id, r]));
    const vertices = ends.filter((r) => !known.has(key(r)) && !cy.current.getElementById(key(r)).length)
      .map((r) => ({ ...r, caption: r.id, schema: "BankAccount" }));
    show(vertices, found.payments);
    setFlow(found);
  });

  const findRings = () => ask("rings", {}, (found) => {
    setRings(found.rings);
    setNote(null);
  });

  function showRing(ring) {
    const chart = cy.current;
    show([...ring.records, ...ring.persons], []);
    chart.nodes().removeClass("ring");
    for (const r of [...ring.records, ...ring.persons]) chart.getElementById(key(r)).addClass("ring");
  }

  function png() {
    download("link-chart.png", cy.current.png({ output: "blob", full: true, scale: 2, bg: "#ffffff" }));
  }

  async function exportAs(format, extension, type) {
    setError(null);
    try {
      const body = { ...stated(), format };
      if (start) Object.assign(body, { around: start, hops: Number(hops) });
      const response = await call("POST", "/graph/export", body, "application/json", { raw: true });
      download(`link-chart.${extension}`, new Blob([response], { type }));
    } catch (err) {
      setError(err);
    }
  }

  const chosen = records.find((r) => r.id === selected);
  // The list holds at most LISTED records (the chosen one first); past that, the find field
  // narrows it by name, id or owner.
  const wanted = find.trim().toLowerCase();
  const matching = wanted ? records.filter((r) => `${r.label} ${r.id}`.toLowerCase().includes(wanted)) : records;
  const listed = [...(chosen ? [chosen] : []), ...matching.filter((r) => r !== chosen)].slice(0, LISTED);
  const canExport = allowed.has("POST /api/v1/graph/export");
  return html`<section aria-labelledby="chart-title" class="chart-screen">
    <h1 id="chart-title">${t("chart.title")}</h1>
    <form class="chart-form" onSubmit=${open}>
      <div class="row">
        <${Field} label=${t("chart.start")} name="start" value=${start} onInput=${setStart} required error=${error} dir="auto" />
        <${Field} label=${t("chart.hops")} name="hops" type="number" min="1" max="4" value=${hops} onInput=${setHops} error=${error} />
        <${Field} label=${t("search.purpose")} name="purpose" type="select" value=${purpose} onInput=${setPurpose} error=${error}>
          ${codes.purposes.map((p) => html`<option value=${p.code}>${p.label}</option>`)}
        </${Field}>
        <${Field} label=${t("search.reference")} name="reference" value=${reference} onInput=${setReference} required error=${error} />
        <${Field} label=${t("search.crime_area")} name="crime_area" type="select" value=${crimeArea} onInput=${setCrimeArea} error=${error}>
          <option value="">${t("choose")}</option>
          ${codes.crime_areas.map((a) => html`<option value=${a.code}>${a.label}</option>`)}
        </${Field}>
      </div>
      <button type="submit" disabled=${busy || !ready}>${t("chart.open")}</button>
      <button type="button" class="secondary" disabled=${busy || !records.length} onClick=${communities}>${t("chart.colour")}</button>
      <button type="button" class="secondary" disabled=${busy} onClick=${findRings}>${t("chart.rings")}</button>
    </form>
    <${ErrorNote} error=${error} shown=${["start", "hops", "purpose", "reference", "crime_area", "target"]} />
    ${note && html`<p role="status" class="chart-note">${note}</p>`}
    <div class="chart-layout">
      <div class="chart" ref=${box} data-records=${records.length} role="img" aria-label=${t("chart.canvas", { records: records.length })}></div>
      <aside class="chart-side" aria-label=${t("chart.records")}>
        ${chosen && html`<div class="card chosen">
          <h2><${Written} value=${chosen.label} /> <span class="schema">${chosen.schema}</span></h2>
          <p class="muted">${chosen.owner} · <a href=${`#/records/${encodeURIComponent(chosen.record)}`}>${t("chart.open_record")}</a></p>
          <button class="secondary" disabled=${busy} onClick=${() => expand(chosen.id)}>${t("chart.expand")}</button>
          <button class="secondary" disabled=${busy} onClick=${() => money(chosen.id)}>${t("chart.money")}</button>
          <${Field} label=${t("chart.target")} name="target" value=${target} onInput=${setTarget} error=${error} dir="auto" />
          <button class="secondary" disabled=${busy || !target} onClick=${() => findPaths(chosen.id)}>${t("chart.path")}</button>
        </div>`}
        <h2>${t("chart.records")}</h2>
        ${records.length > LISTED && html`<${Field} label=${t("chart.find")} name="find" value=${find} onInput=${setFind} type="search" />`}
        <ul class="chart-records">
          ${listed.map((r) => html`<li><button class="link" aria-pressed=${r.id === selected ? "true" : "false"}
            onClick=${() => select(r.id)}><${Written} value=${r.label} /></button> <span class="schema">${r.schema} · ${r.owner}</span></li>`)}
        </ul>
        ${records.length > listed.length && html`<p class="muted">${t("chart.more", { shown: formatNumber(listed.length), records: formatNumber(records.length) })}</p>`}
        <div class="exports">
          <button class="quiet" disabled=${!records.length} onClick=${png}>${t("chart.png")}</button>
          ${canExport && FORMATS.map(([format, extension, type]) => html`<button class="quiet" onClick=${() => exportAs(format, extension, type)}>${format}</button>`)}
        </div>
      </aside>
    </div>
    ${flow && html`<${Flow} flow=${flow} />`}
    ${rings && html`<${Rings} rings=${rings} onShow=${showRing} />`}
  </section>`;
}

function Flow({ flow }) {
  const flags = flow.flags;
  return html`<section class="card" aria-labelledby="flow-title">
    <h2 id="flow-title">${t("chart.flow_title", { name: flow.start.caption })}</h2>
    <p>${t("chart.flags", { cycles: flags.cycles.length, fan: flags.fan.length, layering: flags.layering.length })}</p>
    <table class="table">
      <thead><tr><th>${t("chart.hop")}</th><th>${t("chart.from")}</th><th>${t("chart.to")}</th>
        <th class="num">${t("mla.amount")}</th><th>${t("chart.date")}</th></tr></thead>
      <tbody>${flow.payments.map((p) => html`<tr>
        <td class="num">${p.hop}</td><td>${p.source.id}</td><td>${p.target.id}</td>
        <td class="num">${formatNumber(p.amount ?? 0, 2)} ${p.currency || ""}</td><td>${formatDate(p.start)}</td></tr>`)}</tbody>
    </table>
  </section>`;
}

function Rings({ rings, onShow }) {
  return html`<section class="card" aria-labelledby="rings-title">
    <h2 id="rings-title">${t("chart.rings")}</h2>
    ${rings.length === 0 && html`<p class="empty">${t("empty")}</p>`}
    <ol>${rings.map((r) => html`<li>
      <button class="link" onClick=${() => onShow(r)}>${t("chart.ring", { size: r.size, persons: r.persons.length })}</button>
      <span class="muted"> ${r.shared.map((s) => `${s.kind}: ${s.value}`).join(", ")}</span></li>`)}</ol>
  </section>`;
}
