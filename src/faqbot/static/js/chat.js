/* faqbot chat: what htmx does not do by itself. No inline code anywhere (CSP).
   - after an answer: clear the question box, keep it focused, bring the answer into view;
   - after feedback: move focus to the thanks (the button that had it is gone);
   - in the widget iframe: Esc asks the embedding page to close the panel. */
(function () {
  "use strict";

  var form = document.getElementById("frage-form");
  var input = document.getElementById("frage");
  if (!form || !input) { return; }
  var reduceMotion = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;

  function byId(detail) {
    return detail && detail.id ? document.getElementById(detail.id) : null;
  }

  document.body.addEventListener("faqbot-answered", function (evt) {
    input.value = "";
    input.removeAttribute("aria-invalid");
    var turn = byId(evt.detail);
    if (turn) {
      turn.scrollIntoView({ block: "start", behavior: reduceMotion ? "auto" : "smooth" });
    }
    input.focus({ preventScroll: true });
  });

  document.body.addEventListener("faqbot-rated", function (evt) {
    var thanks = byId(evt.detail);
    if (thanks) { thanks.focus(); }
  });

  document.body.addEventListener("faqbot-invalid", function () {
    input.setAttribute("aria-invalid", "true");
    input.focus();
  });

  function showProblem(text) {
    var error = document.getElementById("frage-fehler");
    if (error) { error.textContent = text; }
  }
  document.body.addEventListener("htmx:sendError", function () {
    showProblem("Die Verbindung hat nicht geklappt. Bitte versuchen Sie es noch einmal.");
  });
  document.body.addEventListener("htmx:responseError", function (evt) {
    var status = evt.detail && evt.detail.xhr ? evt.detail.xhr.status : 0;
    showProblem(status === 429
      ? "Zu viele Fragen in kurzer Zeit. Bitte warten Sie einen Moment und fragen Sie dann noch einmal."
      : "Das hat leider nicht geklappt. Bitte versuchen Sie es noch einmal.");
  });

  // Inside the widget's iframe on another site.
  if (window.parent !== window) {
    document.addEventListener("keydown", function (evt) {
      if (evt.key === "Escape" || evt.key === "Esc") {
        // The message carries nothing but the request to close.
        window.parent.postMessage({ type: "faqbot-close" }, "*");
      }
    });
    window.addEventListener("message", function (evt) {
      if (evt.source === window.parent && evt.data && evt.data.type === "faqbot-focus") {
        input.focus();
      }
    });
  }
}());
