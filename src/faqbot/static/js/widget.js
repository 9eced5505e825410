/* faqbot widget. On any site:

     <script src="https://ASSISTANT/widget.js" defer></script>

   adds a button "Fragen zum Grundsicherungsgeld" that opens the assistant's /widget page in an iframe
   panel. The panel closes with Esc or its "Schließen" button, and focus returns to the button.
   Everything lives in a shadow root: the site's CSS does not reach in, ours does not leak out,
   and no inline styles or scripts are added to the site (it may have a strict CSP). */
(function () {
  "use strict";

  var script = document.currentScript;
  if (!script || !script.src || window.faqbotWidgetLoaded) { return; }
  window.faqbotWidgetLoaded = true;

  // The assistant is wherever this script came from, not the embedding site.
  var base = script.src.replace(/\/widget\.js(?:[?#].*)?$/, "");
  var origin = new URL(script.src).origin;
  var TITLE = "Fragen zum Grundsicherungsgeld";

  var CSS = [
    ":host { all: initial; }",
    "*, *::before, *::after { box-sizing: border-box; }",
    "[hidden] { display: none !important; }",
    ".open, .panel { font-family: system-ui, -apple-system, 'Segoe UI', Roboto, 'Noto Sans', Arial, sans-serif; }",
    ".open { position: fixed; right: 1rem; bottom: 1rem; z-index: 2147483000;",
    "  display: inline-flex; align-items: center; gap: .5rem;",
    "  font-size: 16px; font-weight: 650; line-height: 1.2; color: #fff; background: #0b4f8a;",
    "  border: 2px solid #fff; border-radius: 999px; padding: .75rem 1.15rem .75rem 1rem;",
    "  box-shadow: 0 4px 16px rgba(0, 0, 0, .28); cursor: pointer; }",
    ".open:hover { background: #073963; }",
    ".open svg { width: 1.3em; height: 1.3em; flex: none; }",
    ".open:focus-visible, .close:focus-visible { outline: 3px solid #ffbf47; outline-offset: 0; box-shadow: 0 0 0 6px #1b2533; }",
    ".panel { position: fixed; right: 1rem; bottom: 5rem; z-index: 2147483001;",
    "  width: min(26rem, calc(100vw - 2rem)); height: min(42rem, calc(100vh - 7rem));",
    "  display: flex; flex-direction: column; background: #f2f4f7; color: #1b2533;",
    "  border: 1px solid #8593a5; border-radius: 12px; overflow: hidden;",
    "  box-shadow: 0 12px 40px rgba(0, 0, 0, .3); }",
    ".bar { display: flex; align-items: center; justify-content: space-between; gap: .5rem;",
    "  padding: .45rem .5rem .45rem 1rem; background: #0b4f8a; color: #fff; }",
    ".title { margin: 0; font-size: 16px; font-weight: 650; line-height: 1.3; }",
    ".close { font: inherit; font-size: 15px; font-weight: 650; line-height: 1; color: #0b4f8a;",
    "  background: #fff; border: 2px solid #fff; border-radius: 8px; padding: .5rem .75rem; cursor: pointer; }",
    ".close:hover { background: #e6eef7; }",
    "iframe { flex: 1 1 auto; display: block; width: 100%; border: 0; background: #f2f4f7; }",
    "@media (max-width: 32rem), (max-height: 30rem) {",
    "  .panel { inset: 0; width: 100%; height: 100%; border: 0; border-radius: 0; } }",
    "@media print { .open, .panel { display: none !important; } }"
  ].join("\n");

  function element(tag, attributes, text) {
    var el = document.createElement(tag);
    Object.keys(attributes || {}).forEach(function (name) { el.setAttribute(name, attributes[name]); });
    if (text) { el.textContent = text; }
    return el;
  }

  function icon() {
    var ns = "http://www.w3.org/2000/svg";
    var svg = document.createElementNS(ns, "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    var path = document.createElementNS(ns, "path");
    path.setAttribute("fill", "currentColor");
    path.setAttribute("d", "M4 3h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2zm3 6v2h2V9H7zm4 0v2h2V9h-2zm4 0v2h2V9h-2z");
    svg.appendChild(path);
    return svg;
  }

  function addStyles(root) {
    if (root.adoptedStyleSheets !== undefined && typeof CSSStyleSheet === "function") {
      try {
        var sheet = new CSSStyleSheet();
        sheet.replaceSync(CSS);
        root.adoptedStyleSheets = [sheet];
        return;
      } catch (e) { /* fall through to a <style> element */ }
    }
    root.appendChild(element("style", {}, CSS));
  }

  function init() {
    var host = element("div", { "data-faqbot-widget": "" });
    var root = host.attachShadow({ mode: "open" });
    addStyles(root);

    var button = element("button", {
      type: "button", "class": "open", "aria-expanded": "false", "aria-controls": "faqbot-panel"
    });
    button.appendChild(icon());
    button.appendChild(element("span", {}, TITLE));

    var panel = element("div", {
      id: "faqbot-panel", "class": "panel", role: "dialog", "aria-labelledby": "faqbot-title"
    });
    panel.hidden = true;
    var bar = element("div", { "class": "bar" });
    bar.appendChild(element("p", { id: "faqbot-title", "class": "title" }, TITLE));
    var close = element("button", { type: "button", "class": "close" }, "Schließen");
    bar.appendChild(close);
    // The site's address is none of the assistant's business: no Referer for the chat.
    var frame = element("iframe", { title: "Chat: " + TITLE, referrerpolicy: "no-referrer" });
    panel.appendChild(bar);
    panel.appendChild(frame);
    root.appendChild(panel);
    root.appendChild(button);

    var loaded = false;
    function focusChat() {
      frame.focus();
      frame.contentWindow.postMessage({ type: "faqbot-focus" }, origin);
    }
    frame.addEventListener("load", function () {
      loaded = true;
      if (!panel.hidden) { focusChat(); }
    });

    function open() {
      if (!frame.getAttribute("src")) { frame.setAttribute("src", base + "/widget"); }
      panel.hidden = false;
      button.setAttribute("aria-expanded", "true");
      if (loaded) { focusChat(); } else { frame.focus(); }
    }
    function shut() {
      if (panel.hidden) { return; }
      panel.hidden = true;
      button.setAttribute("aria-expanded", "false");
      button.focus();
    }

    button.addEventListener("click", function () {
      if (panel.hidden) { open(); } else { shut(); }
    });
    close.addEventListener("click", shut);
    // Esc while focus is on the panel's own controls ...
    root.addEventListener("keydown", function (evt) {
      if ((evt.key === "Escape" || evt.key === "Esc") && !panel.hidden) {
        evt.preventDefault();
        shut();
      }
    });
    // ... and while it is inside the chat, which lives on the assistant's origin.
    window.addEventListener("message", function (evt) {
      if (evt.origin === origin && evt.source === frame.contentWindow &&
          evt.data && evt.data.type === "faqbot-close") {
        shut();
      }
    });

    document.body.appendChild(host);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
}());
