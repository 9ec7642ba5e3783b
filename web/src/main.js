import { render } from "preact";
import { App } from "./app.js";
import { applyLanguage } from "./i18n.js";
import { html } from "./ui.js";
import "./style.css";

applyLanguage();
render(html`<${App} />`, document.getElementById("app"));
