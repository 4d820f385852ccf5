/* Sets the colour theme before the page paints: the reader's choice (the toggle, remembered in this
   browser) or else the system setting (prefers-color-scheme), followed live. */
(function () {
  "use strict";
  var stored = null;
  try { stored = window.localStorage.getItem("dn-theme"); } catch (e) { stored = null; }
  var query = window.matchMedia ? window.matchMedia("(prefers-color-scheme: dark)") : null;
  function apply() {
    var theme = stored || (query && query.matches ? "dark" : "light");
    document.documentElement.setAttribute("data-theme", theme);
  }
  apply();
  if (query && query.addEventListener) {
    query.addEventListener("change", function () { if (!stored) { apply(); } });
  }
  window.dnToggleTheme = function () {
    stored = document.documentElement.getAttribute("data-theme") === "dark" ? "light" : "dark";
    try { window.localStorage.setItem("dn-theme", stored); } catch (e) { /* private mode: this page only */ }
    apply();
  };
})();
