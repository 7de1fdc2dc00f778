// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";

  // Search-as-you-type for long pickers (organisations, members, cities, time zones).
  function enhanceSelects(root) {
    if (typeof TomSelect === "undefined") return;
    root.querySelectorAll("select[data-search]").forEach(function (select) {
      if (select.tomselect) return;
      // Filter on every key, not 300 ms after the last one (Tom Select's default): a pending
      // refresh outlives a choice made in those 300 ms, then reopens the list and pulls the focus
      // back from the field the user moved on to. Our lists are local and short; filtering is cheap.
      var options = { maxOptions: 500, hidePlaceholder: true, refreshThrottle: 0 };
      if (select.multiple) options.plugins = ["remove_button"];
      if (select.dataset.createUrl) addFromPicker(select, options);
      if (select.dataset.searchKeywords) {
        // Time zones: each option's data-keywords holds cities, countries and abbreviations to match.
        options.searchField = ["text", "keywords"];
        options.score = wholeWordsFirst;
      }
      new TomSelect(select, options);
    });
  }

  // Tom Select's own score, raised for whole-word matches: "KST" lists Seoul before Alaska's "AKST".
  function wholeWordsFirst(query) {
    var score = this.getScoreFunction(query);
    var typed = query.trim().replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    var word = new RegExp("(^|[\\s,(/])" + typed + "($|[\\s,)/])", "i");
    return function (item) {
      var value = score(item);
      return value && typed && (word.test(item.text) || word.test(item.keywords || "")) ? value + 1 : value;
    };
  }

  // "Add …" in a city or organisation picker: the create form opens in a small window, prefilled
  // with what was typed; once saved there (static/js/popup_done.js) the new choice comes back by
  // postMessage and is chosen here. Closing the window without saving changes nothing.
  var pendingAdds = {};

  function addFromPicker(select, options) {
    options.create = function (input, callback) {
      var url = select.dataset.createUrl + "?_popup=" + encodeURIComponent(select.id) +
        "&name=" + encodeURIComponent(input);
      var popup = window.open(url, "add-" + select.id, "popup,width=760,height=820");
      if (!popup) {  // popups blocked: the whole page goes to the form, which comes back here after saving
        callback();
        window.location.href = select.dataset.createUrl + "?name=" + encodeURIComponent(input) +
          "&next=" + encodeURIComponent(window.location.pathname + window.location.search);
        return;
      }
      pendingAdds[select.id] = callback;
      var watch = window.setInterval(function () {
        if (!popup.closed) return;
        window.clearInterval(watch);
        if (pendingAdds[select.id]) { pendingAdds[select.id](); delete pendingAdds[select.id]; }
      }, 500);
    };
    options.render = {
      option_create: function (data, escape) {
        return '<div class="create">Add <strong>' + escape(data.input) + "</strong>…</div>";
      }
    };
  }

  window.addEventListener("message", function (event) {
    var data = event.data;
    if (event.origin !== window.location.origin || !data || data.type !== "mission-planner:created") return;
    var target = document.getElementById(data.field);
    if (!target) return;
    // Every picker of the same kind on the page learns the new choice (a leg's origin and destination).
    document.querySelectorAll('select[data-create-url="' + target.dataset.createUrl + '"]').forEach(function (select) {
      var text = select.dataset.zones && data.timezone ? data.label + " · " + data.timezone : data.label;
      if (select === target && pendingAdds[select.id]) {
        pendingAdds[select.id]({ value: data.value, text: text });
        delete pendingAdds[select.id];
      } else if (select.tomselect) {
        select.tomselect.addOption({ value: data.value, text: text });
        // The window may be seen closed (and the wait given up) before its message is handled:
        // the choice still lands in the picker that asked.
        if (select === target) select.tomselect.addItem(data.value);
      }
    });
  });

  // Keep the "Local time in …" hint next to a datetime field in step with the chosen city.
  function followZones(root) {
    root.querySelectorAll("input[data-zone-from]").forEach(function (input) {
      var select = root.querySelector('select[name="' + input.dataset.zoneFrom + '"]');
      var hint = document.getElementById(input.id + "_helptext");
      if (!select || !hint) return;
      var update = function () {
        var option = select.options[select.selectedIndex];
        if (!option || !option.value) { hint.textContent = "Local time in the city's zone."; return; }
        var parts = option.textContent.split(" · ");
        hint.textContent = "Local time in " + parts[0].split(" (")[0] + ": " + parts[parts.length - 1] + ".";
      };
      select.addEventListener("change", update);
    });
  }

  // The member filter on the schedule applies as soon as a member is chosen.
  function autoSubmit(root) {
    root.querySelectorAll("form.member-filter select").forEach(function (select) {
      select.addEventListener("change", function () { select.form.submit(); });
    });
  }

  // Copy a feed address to the clipboard (the field stays selectable when the clipboard is refused).
  function copyButtons(root) {
    root.querySelectorAll("button[data-copy]").forEach(function (button) {
      button.addEventListener("click", function () {
        var field = document.getElementById(button.dataset.copy);
        field.select();
        var done = function () { button.textContent = "Copied"; };
        if (navigator.clipboard) { navigator.clipboard.writeText(field.value).then(done, function () {}); }
      });
    });
  }

  // A new mission's slug follows its name as it is typed, until the user edits the slug itself
  // (the server makes one from the name too when the field is left empty).
  function slugFromName(root) {
    root.querySelectorAll("input[data-slug-from]").forEach(function (slug) {
      var name = slug.form && slug.form.elements[slug.dataset.slugFrom];
      if (!name) return;
      var edited = slug.value !== "";
      slug.addEventListener("input", function () { edited = slug.value !== ""; });
      name.addEventListener("input", function () {
        if (edited) return;
        slug.value = name.value.normalize("NFKD").replace(/[\u0300-\u036f]/g, "").toLowerCase()
          .replace(/[^a-z0-9_\s-]/g, "").trim().replace(/[-\s]+/g, "-").replace(/^[-_]+|[-_]+$/g, "").slice(0, 76);
      });
    });
  }

  // A briefing book takes seconds to make: its link says so meanwhile, then the PDF is saved under
  // the name the server gives it (the member's own). Without this file the link simply opens it.
  function bookLinks(root) {
    root.querySelectorAll("a[data-book-pdf], a[data-briefing-link]").forEach(function (link) {
      var label = link.textContent;
      link.addEventListener("click", function (event) {
        if (event.ctrlKey || event.metaKey || event.shiftKey || event.button !== 0) return;
        event.preventDefault();
        if (link.getAttribute("aria-busy") === "true") return;
        link.setAttribute("aria-busy", "true");
        link.classList.add("disabled");
        link.textContent = "Making your book\u2026";
        var done = function (text) {
          link.removeAttribute("aria-busy");
          link.classList.remove("disabled");
          link.textContent = text || label;
        };
        fetch(link.href, { credentials: "same-origin" }).then(function (response) {
          if (!response.ok) throw new Error(response.status + " " + response.statusText);
          var disposition = response.headers.get("Content-Disposition") || "";
          var name = (disposition.match(/filename="([^"]+)"/) || [])[1] || "briefing.pdf";
          return response.blob().then(function (blob) {
            var url = URL.createObjectURL(blob);
            var save = document.createElement("a");
            save.href = url;
            save.download = name;
            document.body.appendChild(save);
            save.click();
            save.remove();
            setTimeout(function () { URL.revokeObjectURL(url); }, 60000);
            done();
          });
        }).catch(function (error) {
          done(label + " (could not be made: " + error.message + "; try again)");
        });
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    copyButtons(document);
    slugFromName(document);
    enhanceSelects(document);
    followZones(document);
    autoSubmit(document);
    bookLinks(document);
  });
})();
