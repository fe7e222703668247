/* The exit kiosk's small behaviours. Everything works without them; no inline scripts (CSP). */
(function () {
  "use strict";

  // Back to the start after a while without a touch, so the next driver
  // never sees the previous one's car or receipt; in place of the page left,
  // not after it, so Back does not bring it again.
  var screen = document.querySelector("[data-idle-reset-url]");
  if (screen) {
    var idleMs = (parseInt(screen.getAttribute("data-idle-seconds"), 10) || 120) * 1000;
    var timer = null;
    var arm = function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(function () {
        window.location.replace(screen.getAttribute("data-idle-reset-url"));
      }, idleMs);
    };
    ["pointerdown", "keydown", "input", "scroll"].forEach(function (name) {
      document.addEventListener(name, arm, { passive: true });
    });
    arm();
  }

  // A payment being confirmed: ask until the platform has decided, then show it.
  var waiting = document.querySelector("[data-payment-status-url]");
  if (waiting) {
    var url = waiting.getAttribute("data-payment-status-url");
    var pollMs = (parseInt(waiting.getAttribute("data-poll-seconds"), 10) || 2) * 1000;
    var poll = function () {
      window.fetch(url, { headers: { Accept: "application/json" }, cache: "no-store" })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (payment) {
          if (payment && payment.status !== "pending") {
            window.location.reload();
          } else {
            window.setTimeout(poll, pollMs);
          }
        })
        .catch(function () { window.setTimeout(poll, pollMs); });
    };
    window.setTimeout(poll, pollMs);
  }

  // The e-invoice value only matters once an option is chosen; show its format.
  var kind = document.querySelector("[data-invoice-kind]");
  var valueBox = document.querySelector("[data-invoice-value]");
  if (kind && valueBox) {
    var hint = valueBox.querySelector("[data-invoice-hint]");
    var input = valueBox.querySelector("input");
    var sync = function () {
      var option = kind.options[kind.selectedIndex];
      var chosen = kind.value !== "";
      valueBox.hidden = !chosen;
      if (input) { input.required = chosen; }
      if (hint && chosen && option.getAttribute("data-hint")) {
        hint.textContent = option.getAttribute("data-hint");
      }
    };
    // A tap that chooses an option moves on to its value (the phone's keyboard opens);
    // arrow keys change the choice too, and must stay on the list to reach the rest.
    var byKeys = false;
    kind.addEventListener("keydown", function () { byKeys = true; });
    kind.addEventListener("pointerdown", function () { byKeys = false; });
    kind.addEventListener("change", function () {
      sync();
      if (input && kind.value !== "" && !byKeys) { input.focus(); }
    });
    sync();
  }

  // A form sent back with a mistake: show the mistake, wherever on the page it is
  // (on a phone the e-invoice field is below the fold, and "Pay" seemed to do nothing).
  var mistake = document.querySelector(".kiosk-screen .errorlist, .kiosk-screen [role=alert]");
  if (mistake) {
    mistake.scrollIntoView({ block: "center" });
    var field = mistake.parentNode &&
      mistake.parentNode.querySelector("input:not([type=hidden]), select, textarea");
    if (field && mistake.classList.contains("errorlist")) { field.focus(); }
  }
})();
