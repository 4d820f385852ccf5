/* The report's own script: the phone menu, the theme toggle and search. Search reads the index that
   search-index.js (a plain <script>, so it works from file://) put in window.DN_SEARCH. No HTML from the
   index is ever parsed: results are built with textContent. */
(function () {
  "use strict";
  var root = document.documentElement.getAttribute("data-root") || "";

  function onReady(fn) {
    if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", fn); } else { fn(); }
  }

  onReady(function () {
    var menu = document.querySelector(".menu-toggle");
    if (menu) {
      var setMenu = function (open) {
        document.body.classList.toggle("nav-open", open);
        menu.setAttribute("aria-expanded", open ? "true" : "false");
      };
      menu.addEventListener("click", function () { setMenu(!document.body.classList.contains("nav-open")); });
      // Escape closes the phone menu and gives the focus back to its button.
      document.addEventListener("keydown", function (e) {
        if (e.key === "Escape" && document.body.classList.contains("nav-open")) {
          setMenu(false);
          menu.focus();
        }
      });
    }
    var toggle = document.querySelector(".theme-toggle");
    if (toggle) {
      var label = function () {
        var dark = document.documentElement.getAttribute("data-theme") === "dark";
        toggle.setAttribute("aria-pressed", dark ? "true" : "false");
        toggle.title = dark ? "Switch to the light theme" : "Switch to the dark theme";
      };
      label();
      toggle.addEventListener("click", function () { window.dnToggleTheme(); label(); });
      new MutationObserver(label).observe(document.documentElement, {attributes: true, attributeFilter: ["data-theme"]});
    }
    // On a phone the in-page contents start closed (one line above the page), on wider screens open.
    var contents = document.querySelector(".page-toc details");
    if (contents && window.matchMedia && window.matchMedia("(max-width: 820px)").matches) { contents.open = false; }
    setUpSearch();
    markScrollBoxes();
    var resized = null;
    window.addEventListener("resize", function () {
      clearTimeout(resized);
      resized = setTimeout(markScrollBoxes, 150);
    });
    document.addEventListener("toggle", markScrollBoxes, true);  // a <details> opened: its boxes now show
    window.addEventListener("load", markScrollBoxes);  // images and fonts are in: sizes are final
  });

  // A box that scrolls sideways or down (code, an output, a wide table) must be reachable with the keyboard
  // (WCAG 2.1.1): it gets tabindex=0 and a name while it scrolls, and loses both when it no longer does.
  var BOXES = ".site-main pre, .jp-InputArea-editor, .jp-OutputArea-output, .site-main table, .table-scroll, " +
    ".figure-box, math[display='block']";
  function kindOf(el) {
    if (el.closest(".jp-InputArea")) { return "Code"; }
    if (el.tagName === "TABLE" || el.querySelector("table")) { return "Table"; }
    if (el.classList.contains("figure-box")) { return "Figure"; }
    if (el.tagName.toLowerCase() === "math") { return "Formula"; }
    return "Output";
  }
  function markScrollBoxes() {
    document.querySelectorAll(BOXES).forEach(function (el) {
      var style = getComputedStyle(el);
      var scrolls = (el.scrollWidth > el.clientWidth + 1 && /auto|scroll/.test(style.overflowX)) ||
        (el.scrollHeight > el.clientHeight + 1 && /auto|scroll/.test(style.overflowY));
      if (scrolls && el.offsetParent !== null) {
        if (!el.hasAttribute("data-scroll-box")) {
          el.setAttribute("data-scroll-box", "");
          el.setAttribute("tabindex", "0");
          if (el.tagName !== "TABLE") {
            el.setAttribute("role", "region");
            el.setAttribute("aria-label", kindOf(el) + " (scrolls: use the arrow keys)");
          }
        }
      } else if (el.hasAttribute("data-scroll-box")) {
        el.removeAttribute("data-scroll-box");
        el.removeAttribute("tabindex");
        if (el.tagName !== "TABLE") { el.removeAttribute("role"); el.removeAttribute("aria-label"); }
      }
    });
  }

  function setUpSearch() {
    var box = document.querySelector(".site-search");
    var input = document.getElementById("search-input");
    var panel = document.getElementById("search-results");
    if (!box || !input || !panel || !window.DN_SEARCH) { return; }
    box.hidden = false;
    var index = window.DN_SEARCH;
    var lower = index.sections.map(function (s) { return (s[2] + "\n" + s[3]).toLowerCase(); });

    // A term that is a number matches whole numbers only: "54" finds "54 hours" and "54." but not "554",
    // "0.54" or "1,054". Other terms match anywhere in a word (so "blind" finds "blinding").
    function escapeRe(s) { return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"); }
    function pattern(term) {
      if (/^[0-9]+([.,][0-9]+)*$/.test(term)) {
        return new RegExp("(?<![0-9]|[0-9][.,])" + escapeRe(term) + "(?![0-9]|[.,][0-9])", "g");
      }
      return new RegExp(escapeRe(term), "g");
    }
    function count(text, term) { var m = text.match(pattern(term)); return m ? m.length : 0; }
    function find(text, term) { var m = pattern(term).exec(text); return m ? m.index : -1; }

    function snippet(text, term) {
      var at = find(text.toLowerCase(), term);
      if (at < 0) { return {before: text.slice(0, 140), hit: "", after: ""}; }
      var start = Math.max(0, at - 60);
      return {before: (start > 0 ? "… " : "") + text.slice(start, at), hit: text.slice(at, at + term.length),
              after: text.slice(at + term.length, at + term.length + 80) + "…"};
    }

    function search(query) {
      var terms = query.toLowerCase().split(/\s+/).filter(function (t) { return t.length > 1 || /^[0-9]$/.test(t); });
      if (!terms.length) { return []; }
      var hits = [];
      for (var i = 0; i < lower.length; i++) {
        var score = 0, all = true;
        for (var k = 0; k < terms.length; k++) {
          var n = count(lower[i], terms[k]);
          if (!n) { all = false; break; }
          score += n + (count(index.sections[i][2].toLowerCase(), terms[k]) ? 20 : 0);
        }
        if (all) { hits.push({i: i, score: score}); }
      }
      hits.sort(function (a, b) {
        var pa = index.sections[a.i][0], pb = index.sections[b.i][0];
        return pa - pb || b.score - a.score;
      });
      return hits.slice(0, 60).map(function (h) { return {section: index.sections[h.i], terms: terms}; });
    }

    function render() {
      var query = input.value.trim();
      panel.textContent = "";
      if (query.length < 2) { panel.hidden = true; return; }
      var results = search(query);
      var count = document.createElement("p");
      count.className = "search-count";
      count.textContent = results.length ? results.length + " section" + (results.length > 1 ? "s" : "") +
        " contain “" + query + "”" : "Nothing found for “" + query + "”";
      panel.appendChild(count);
      var list = null, lastPage = -1;
      results.forEach(function (r) {
        var s = r.section, page = index.pages[s[0]];
        if (s[0] !== lastPage) {
          var heading = document.createElement("p");
          heading.className = "search-page";
          heading.textContent = page[1];
          panel.appendChild(heading);
          list = document.createElement("ul");
          panel.appendChild(list);
          lastPage = s[0];
        }
        var item = document.createElement("li");
        var link = document.createElement("a");
        link.href = root + page[0] + (s[1] ? "#" + s[1] : "");
        link.className = "search-hit";
        link.textContent = s[2];
        item.appendChild(link);
        var parts = snippet(s[3], r.terms[0]);
        var text = document.createElement("span");
        text.className = "search-snippet";
        text.appendChild(document.createTextNode(parts.before));
        if (parts.hit) {
          var mark = document.createElement("mark");
          mark.textContent = parts.hit;
          text.appendChild(mark);
        }
        text.appendChild(document.createTextNode(parts.after));
        item.appendChild(text);
        list.appendChild(item);
      });
      panel.hidden = false;
    }

    input.addEventListener("input", render);
    input.addEventListener("keydown", function (e) {
      if (e.key === "Escape") { input.value = ""; render(); }
    });
    document.addEventListener("click", function (e) {
      if (!box.contains(e.target)) { panel.hidden = true; }
    });
    input.addEventListener("focus", function () { if (input.value.trim().length > 1) { render(); } });
    document.addEventListener("keydown", function (e) {
      if (e.key === "/" && document.activeElement !== input && !/input|textarea/i.test(document.activeElement.tagName)) {
        e.preventDefault();
        input.focus();
      }
    });
  }
})();
