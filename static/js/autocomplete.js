/*
 * Search-box completions: every <input data-autocomplete-url="..."> becomes a WAI-ARIA 1.2
 * combobox with a listbox popup (list autocomplete, manual selection). Without JavaScript the
 * boxes stay plain search fields.
 *
 * Keys: ArrowDown/ArrowUp move through the suggestions (Alt+ArrowDown only opens the list),
 * Enter on a suggestion takes it and submits the form, Escape closes the list (a second Escape
 * clears the box), Tab closes it. A click or tap on a suggestion takes it and submits.
 *
 * The texts for screen readers come from the data attributes of this script's element
 * (templates/base.html): data-autocomplete-label, -one and -other ("{n}" is replaced by the
 * number) and -none.
 */
(function () {
  "use strict";

  var DEBOUNCE_MS = 150;
  var MIN_CHARS = 3;
  var script = document.currentScript;
  var texts = (script && script.dataset) || {};
  var count = 0;

  function Combobox(input) {
    this.input = input;
    this.url = input.getAttribute("data-autocomplete-url");
    this.form = input.form;
    this.options = [];
    this.active = -1;
    this.seq = 0;
    this.timer = null;
    this.controller = null;
    this.announcedSome = false;
    count += 1;
    this.id = (input.id || "search") + "-suggestions-" + count;
    this.build();
    this.bind();
  }

  Combobox.prototype.build = function () {
    var input = this.input;
    var hadFocus = document.activeElement === input;
    var wrapper = document.createElement("div");
    wrapper.className = "autocomplete";
    input.parentNode.insertBefore(wrapper, input);
    wrapper.appendChild(input);

    var list = document.createElement("ul");
    list.id = this.id;
    list.className = "autocomplete-list";
    list.setAttribute("role", "listbox");
    if (texts.autocompleteLabel) {
      list.setAttribute("aria-label", texts.autocompleteLabel);
    }
    list.hidden = true;
    wrapper.appendChild(list);
    this.list = list;

    var status = document.createElement("div");
    status.className = "visually-hidden";
    status.setAttribute("role", "status");
    status.setAttribute("aria-live", "polite");
    status.setAttribute("aria-atomic", "true");
    wrapper.appendChild(status);
    this.status = status;

    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", this.id);
    input.setAttribute("autocomplete", "off"); // the browser's own list would cover ours
    if (hadFocus) {
      input.focus();
    }
  };

  Combobox.prototype.bind = function () {
    var self = this;
    this.input.addEventListener("input", function () {
      self.schedule();
    });
    this.input.addEventListener("keydown", function (event) {
      self.onKeydown(event);
    });
    this.input.addEventListener("blur", function () {
      self.close();
    });
    // Keep the focus in the box while a suggestion is clicked or tapped.
    this.list.addEventListener("mousedown", function (event) {
      event.preventDefault();
    });
    this.list.addEventListener("click", function (event) {
      var option = event.target.closest("[role=option]");
      if (option) {
        self.take(Number(option.getAttribute("data-index")));
      }
    });
  };

  Combobox.prototype.isOpen = function () {
    return !this.list.hidden;
  };

  Combobox.prototype.wanted = function () {
    var value = this.input.value;
    return value.trim().length >= MIN_CHARS && !/\s$/.test(value);
  };

  Combobox.prototype.schedule = function () {
    var self = this;
    window.clearTimeout(this.timer);
    if (!this.wanted()) {
      this.seq += 1; // answers still under way are stale now
      this.show([], false);
      return;
    }
    this.timer = window.setTimeout(function () {
      self.fetch();
    }, DEBOUNCE_MS);
  };

  Combobox.prototype.fetch = function () {
    var self = this;
    var value = this.input.value;
    var seq = (this.seq += 1);
    if (this.controller) {
      this.controller.abort();
    }
    this.controller = window.AbortController ? new AbortController() : null;
    var separator = this.url.indexOf("?") === -1 ? "?" : "&";
    window
      .fetch(this.url + separator + "q=" + encodeURIComponent(value), {
        credentials: "same-origin",
        headers: { Accept: "application/json" },
        redirect: "error", // logged out: the login page is no answer
        cache: "no-store",
        signal: this.controller ? this.controller.signal : undefined,
      })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("HTTP " + response.status);
        }
        return response.json();
      })
      .then(function (data) {
        if (seq !== self.seq || self.input.value !== value) {
          return; // a newer request is under way, or the text changed since
        }
        var suggestions = Array.isArray(data && data.suggestions) ? data.suggestions : [];
        var words = suggestions.filter(function (s) {
          return typeof s === "string";
        });
        self.show(words, true);
      })
      .catch(function () {
        if (seq === self.seq) {
          self.show([], false); // fail silently: the box works as a plain search field
        }
      });
  };

  // Shows the suggestions; "answered" says the server found none (worth announcing when some
  // were announced before), as opposed to a box too short to complete.
  Combobox.prototype.show = function (suggestions, answered) {
    var list = this.list;
    this.options = suggestions;
    this.active = -1;
    this.input.removeAttribute("aria-activedescendant");
    while (list.firstChild) {
      list.removeChild(list.firstChild);
    }
    if (!suggestions.length || document.activeElement !== this.input) {
      this.close();
      if (!suggestions.length && answered && this.announcedSome) {
        this.announce(texts.autocompleteNone || "");
      }
      if (!suggestions.length) {
        this.announcedSome = false;
      }
      return;
    }
    for (var i = 0; i < suggestions.length; i += 1) {
      var option = document.createElement("li");
      option.id = this.id + "-" + i;
      option.setAttribute("role", "option");
      option.setAttribute("aria-selected", "false");
      option.setAttribute("data-index", String(i));
      option.textContent = suggestions[i];
      list.appendChild(option);
    }
    list.hidden = false;
    this.input.setAttribute("aria-expanded", "true");
    var template = suggestions.length === 1 ? texts.autocompleteOne : texts.autocompleteOther;
    this.announce((template || "").replace("{n}", String(suggestions.length)));
    this.announcedSome = true;
  };

  Combobox.prototype.announce = function (text) {
    this.status.textContent = text;
  };

  Combobox.prototype.close = function () {
    window.clearTimeout(this.timer);
    this.list.hidden = true;
    this.active = -1;
    this.input.setAttribute("aria-expanded", "false");
    this.input.removeAttribute("aria-activedescendant");
  };

  Combobox.prototype.reopen = function () {
    if (this.options.length && this.list.children.length) {
      this.list.hidden = false;
      this.input.setAttribute("aria-expanded", "true");
      return true;
    }
    return false;
  };

  Combobox.prototype.move = function (index) {
    var options = this.list.children;
    if (!options.length) {
      return;
    }
    index = (index + options.length) % options.length;
    for (var i = 0; i < options.length; i += 1) {
      var selected = i === index;
      options[i].setAttribute("aria-selected", selected ? "true" : "false");
      options[i].classList.toggle("is-active", selected);
    }
    this.active = index;
    this.input.setAttribute("aria-activedescendant", options[index].id);
    options[index].scrollIntoView({ block: "nearest" });
  };

  Combobox.prototype.take = function (index) {
    var value = this.options[index];
    if (typeof value !== "string") {
      return;
    }
    this.input.value = value;
    this.seq += 1;
    this.close();
    this.options = [];
    if (this.form) {
      if (this.form.requestSubmit) {
        this.form.requestSubmit();
      } else {
        this.form.submit();
      }
    }
  };

  Combobox.prototype.onKeydown = function (event) {
    if (event.ctrlKey || event.metaKey || event.isComposing) {
      return;
    }
    var open = this.isOpen();
    switch (event.key) {
      case "ArrowDown":
        event.preventDefault();
        if (!open && !this.reopen()) {
          if (this.wanted()) {
            window.clearTimeout(this.timer);
            this.fetch();
          }
          return;
        }
        if (!event.altKey) {
          this.move(this.active + 1);
        }
        break;
      case "ArrowUp":
        if (open) {
          event.preventDefault();
          this.move(this.active < 0 ? -1 : this.active - 1);
        }
        break;
      case "Enter":
        if (open && this.active >= 0) {
          event.preventDefault();
          this.take(this.active);
        } else {
          this.seq += 1;
          this.close(); // the form submits what was typed
        }
        break;
      case "Escape":
        if (open) {
          event.preventDefault();
          this.seq += 1;
          this.close();
        } else if (this.input.value) {
          event.preventDefault();
          this.input.value = "";
          this.options = [];
        }
        break;
      case "Tab":
        this.close();
        break;
      default:
        break;
    }
  };

  function init() {
    var inputs = document.querySelectorAll("input[data-autocomplete-url]");
    for (var i = 0; i < inputs.length; i += 1) {
      if (!inputs[i].hasAttribute("role") && window.fetch) {
        new Combobox(inputs[i]);
      }
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
