/* KOK-Wissensportal: small enhancements; every page works without them.
 *
 * - The header menu folds behind "Menü" on narrow screens.
 * - Parts marked [data-collapsible] (the search filters) fold behind their [data-toggle-for]
 *   button on narrow screens, so results come first.
 * - Forms marked [data-auto-submit] send themselves when a checkbox or select changes; their
 *   [data-auto-submit-fallback] button is hidden (it stays for browsers without JavaScript).
 * - [data-copy] buttons copy the text of the element they name and say so in a live region.
 */
(function () {
  "use strict";

  var script = document.currentScript;
  var NARROW = window.matchMedia("(max-width: 48rem)");

  function toggle(button, panel, open) {
    button.setAttribute("aria-expanded", open ? "true" : "false");
    panel.classList.toggle("is-open", open);
  }

  /* A button that folds a panel on narrow screens; on wide screens the panel is always open. */
  function foldable(button, panel, startOpen) {
    function apply() {
      var narrow = NARROW.matches;
      button.hidden = !narrow;
      panel.classList.toggle("is-foldable", narrow);
      toggle(button, panel, narrow ? startOpen : true);
    }
    button.addEventListener("click", function () {
      toggle(button, panel, button.getAttribute("aria-expanded") !== "true");
    });
    panel.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && NARROW.matches && panel.classList.contains("is-open")) {
        toggle(button, panel, false);
        button.focus();
      }
    });
    if (NARROW.addEventListener) { NARROW.addEventListener("change", apply); }
    apply();
  }

  function initMenu() {
    var button = document.querySelector(".menu-toggle");
    var menu = document.getElementById("site-menu");
    if (button && menu) { foldable(button, menu, false); }
  }

  /* "Mehr" in the header: a drop-down list on wide screens, plain entries in the folded menu. */
  function initMoreMenu() {
    var item = document.querySelector(".nav-more");
    var button = item && item.querySelector(".nav-more-toggle");
    if (!button) { return; }
    function close(focus) {
      toggle(button, item, false);
      if (focus) { button.focus(); }
    }
    function apply() {
      var narrow = NARROW.matches;
      button.hidden = narrow;
      item.classList.toggle("is-dropdown", !narrow);
      close(false);
    }
    button.addEventListener("click", function () {
      toggle(button, item, button.getAttribute("aria-expanded") !== "true");
    });
    item.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && item.classList.contains("is-open")) {
        event.stopPropagation();
        close(true);
      }
    });
    item.addEventListener("focusout", function (event) {
      if (!item.contains(event.relatedTarget)) { close(false); }
    });
    document.addEventListener("click", function (event) {
      if (!item.contains(event.target)) { close(false); }
    });
    if (NARROW.addEventListener) { NARROW.addEventListener("change", apply); }
    apply();
  }

  function initCollapsibles() {
    document.querySelectorAll("[data-toggle-for]").forEach(function (button) {
      var panel = document.getElementById(button.getAttribute("data-toggle-for"));
      if (panel) { foldable(button, panel, false); }
    });
  }

  var REFOCUS = "portal-refocus";

  /* After a filter sent the form, the keyboard focus returns to the same checkbox. */
  function refocus() {
    var wanted;
    try { wanted = JSON.parse(window.sessionStorage.getItem(REFOCUS) || "null"); } catch (e) { wanted = null; }
    if (!wanted) { return; }
    window.sessionStorage.removeItem(REFOCUS);
    var inputs = document.querySelectorAll("[data-auto-submit] input");
    for (var i = 0; i < inputs.length; i++) {
      if (inputs[i].name === wanted.name && inputs[i].value === wanted.value) {
        var panel = inputs[i].closest("[id]");
        var toggler = panel && document.querySelector('[data-toggle-for="' + panel.id + '"]');
        if (toggler && toggler.getAttribute("aria-expanded") === "false") { toggler.click(); }
        inputs[i].focus();
        return;
      }
    }
  }

  function initAutoSubmit() {
    document.querySelectorAll("[data-auto-submit]").forEach(function (container) {
      var form = container.closest("form");
      if (!form) { return; }
      form.querySelectorAll("[data-auto-submit-fallback]").forEach(function (button) {
        button.hidden = true;
      });
      container.querySelectorAll("[data-auto-submit-help]").forEach(function (help) {
        help.hidden = false;
      });
      container.addEventListener("change", function (event) {
        var target = event.target;
        if (target.type !== "checkbox") { return; }
        try {
          window.sessionStorage.setItem(REFOCUS, JSON.stringify({ name: target.name, value: target.value }));
        } catch (e) { /* private mode: focus simply starts at the top */ }
        // Empty fields (an unset date) stay out of the address, so it can be bookmarked.
        form.querySelectorAll("input[type=date], input[type=text]").forEach(function (input) {
          if (!input.value) { input.disabled = true; input.setAttribute("data-was-empty", ""); }
        });
        if (form.requestSubmit) { form.requestSubmit(); } else { form.submit(); }
      });
    });
    // Back to a page from the browser's cache: the emptied fields work again.
    window.addEventListener("pageshow", function () {
      document.querySelectorAll("[data-was-empty]").forEach(function (input) {
        input.disabled = false;
        input.removeAttribute("data-was-empty");
      });
    });
    refocus();
  }

  function announce(region, text) {
    region.textContent = "";
    window.setTimeout(function () { region.textContent = text; }, 50);
  }

  function initCopy() {
    document.querySelectorAll("[data-copy]").forEach(function (button) {
      var source = document.getElementById(button.getAttribute("data-copy"));
      var region = document.getElementById(button.getAttribute("data-copy-status") || "");
      if (!source) { return; }
      button.hidden = false;
      button.addEventListener("click", function () {
        var text = source.textContent.trim();
        var done = function () { if (region) { announce(region, script.dataset.copied); } };
        var failed = function () { if (region) { announce(region, script.dataset.copyFailed); } };
        if (navigator.clipboard && navigator.clipboard.writeText) {
          navigator.clipboard.writeText(text).then(done, failed);
        } else {
          failed();
        }
      });
    });
  }

  /* A table wider than the screen scrolls inside itself: keyboard users reach it by Tab. */
  function initScrollingTables() {
    function mark() {
      document.querySelectorAll("main table").forEach(function (table) {
        if (table.scrollWidth > table.clientWidth + 1) {
          table.setAttribute("tabindex", "0");
        } else if (table.getAttribute("tabindex") === "0") {
          table.removeAttribute("tabindex");
        }
      });
    }
    window.addEventListener("resize", mark);
    mark();
  }

  function init() {
    initScrollingTables();
    initMenu();
    initMoreMenu();
    initCollapsibles();
    initAutoSubmit();
    initCopy();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
