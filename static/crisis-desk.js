// Crisis Desk progressive enhancement. Every control works without this file: the facet filter box is a
// form that opens the facet's values page. With it, the box asks /api/facet/<kind> as you type and lists
// the matching values in place, among all values of the result set, not only the ones loaded.
// (Sort and per-page keep their Apply button: submitting on change would jump pages while a keyboard user
// arrows through the options.)
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  var DEBOUNCE_MS = 200;
  var FOUND_LIMIT = 50;
  var regionNames = null;
  try {
    regionNames = new Intl.DisplayNames(["en"], { type: "region" });
  } catch (e) { /* an old browser: roles show the country code */ }

  function roleLabel(value) {
    if (!value.role) return "";
    var country = value.country || "";
    if (country && regionNames) {
      try { country = regionNames.of(country.toUpperCase()) || country; } catch (e) { /* not a region code */ }
    }
    if (!country || value.role.toLowerCase().indexOf(country.toLowerCase()) !== -1) return value.role;
    return value.role + ", " + country;
  }

  // The results URL of the current search with one filter value added (or its exclusion): the same rule
  // as the server's state_url: page dropped, any other spelling of the value replaced.
  function filterHref(base, kind, param) {
    var params = new URLSearchParams(window.location.search);
    params.delete("page");
    params.delete("prefix");
    params.delete("offset");
    var bare = param.replace(/^-/, "").toLowerCase();
    var kept = params.getAll(kind).filter(function (v) { return v.replace(/^-/, "").toLowerCase() !== bare; });
    params.delete(kind);
    kept.concat([param]).forEach(function (v) { params.append(kind, v); });
    var query = params.toString();
    return base + (query ? "?" + query : "");
  }

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;  // text only: article data never becomes markup
    return node;
  }

  function valueRow(form, kind, value) {
    var base = form.getAttribute("data-results");
    var param = kind === "country" && value.code ? value.code : value.value;
    var row = element("li", "facet-value");
    var link = element("a", "facet-link");
    link.href = filterHref(base, kind, param);
    var name = element("span", "facet-name", value.value);
    if (value.leader) {
      var star = element("span", "leader-dot");
      star.title = "Leader";
      var glyph = element("span", "", "★");
      glyph.setAttribute("aria-hidden", "true");
      star.appendChild(glyph);
      star.appendChild(element("span", "visually-hidden", " (leader)"));
      name.appendChild(star);
    }
    link.appendChild(name);
    var role = roleLabel(value);
    if (role) link.appendChild(element("span", "facet-role", role));
    row.appendChild(link);
    if (kind === "actor" || kind === "country" || kind === "org") {  // the entity's page, as the server draws it
      var about = element("a", "entity-link");
      about.href = base.replace(/\/$/, "") + "/" + kind + "/" + encodeURIComponent(param);
      about.title = "About " + value.value;
      var mark = element("span", "", "i");
      mark.setAttribute("aria-hidden", "true");
      about.appendChild(mark);
      about.appendChild(element("span", "visually-hidden", "About " + value.value));
      row.appendChild(about);
    }
    row.appendChild(element("span", "facet-count", value.count.toLocaleString("en")));
    var exclude = element("a", "facet-exclude");  // the same labelled button the server draws
    exclude.href = filterHref(base, kind, "-" + param);
    exclude.title = "Leave out articles with " + value.value;
    var minus = element("span", "", "−");
    minus.setAttribute("aria-hidden", "true");
    exclude.appendChild(minus);
    exclude.appendChild(document.createTextNode(" Exclude"));
    exclude.appendChild(element("span", "visually-hidden", " " + value.value));
    row.appendChild(exclude);
    return row;
  }

  function addFilterBox(facet) {
    var input = facet.querySelector("input.facet-filter");
    var found = facet.querySelector("ul.facet-found");
    if (!input || !found) return;  // the server adds the box only to lists too long to take in at a glance
    var form = input.form;
    var kind = facet.getAttribute("data-facet");
    var loaded = [facet.querySelector("ul.facet-top"), facet.querySelector("details.facet-more")];
    var timer = null;
    var asked = 0;

    function showFound(on) {
      found.hidden = !on;
      loaded.forEach(function (node) { if (node) node.hidden = on; });
    }

    function render(data, needle) {
      found.textContent = "";
      if (!data.values.length) {
        found.appendChild(element("li", "facet-empty", "No values with a word starting “" + needle + "”."));
      }
      data.values.forEach(function (value) { found.appendChild(valueRow(form, kind, value)); });
      if (data.total_values > data.values.length) {
        var params = new URLSearchParams(window.location.search);
        params.delete("page");
        params.set("prefix", needle);
        var all = element("a", "facet-all", "All " + data.total_values.toLocaleString("en") + " matches →");
        all.href = form.getAttribute("action") + "?" + params.toString();
        var item = element("li", "facet-all-row");
        item.appendChild(all);
        found.appendChild(item);
      }
      showFound(true);
    }

    function ask() {
      var needle = input.value.trim();
      var mine = ++asked;
      if (!needle) {
        showFound(false);
        return;
      }
      var params = new URLSearchParams(window.location.search);
      params.delete("page");
      params.set("prefix", needle);
      params.delete("offset");
      params.set("limit", String(FOUND_LIMIT));
      fetch(form.getAttribute("data-api") + "?" + params.toString(), { headers: { Accept: "application/json" } })
        .then(function (response) { return response.ok ? response.json() : Promise.reject(response.status); })
        .then(function (data) { if (mine === asked) render(data, needle); })
        .catch(function () {
          if (mine !== asked) return;
          found.textContent = "";
          found.appendChild(element("li", "facet-empty", "The values could not be searched; press Enter to try."));
          showFound(true);
        });
    }

    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(ask, DEBOUNCE_MS);
    });
  }

  // A batch job's page polls the job's status and shows the table once it is done (without this file,
  // the page refreshes itself every few seconds).
  function followBatchJob(box) {
    var url = box.getAttribute("data-status-url");
    var bar = box.querySelector("progress");
    var text = box.querySelector(".batch-progress-text");
    function poll() {
      fetch(url, { headers: { "Accept": "application/json" } })
        .then(function (response) { return response.json(); })
        .then(function (job) {
          if (job.status === "done" || job.status === "failed" || !job.status) {
            window.location.reload();
            return;
          }
          if (bar) { bar.max = job.total; bar.value = job.done; }
          if (text) text.textContent = job.done.toLocaleString("en") + " of " + job.total.toLocaleString("en") +
            " queries done" + (job.status === "queued" ? " (waiting for another batch to finish)" : "");
          setTimeout(poll, 1000);
        })
        .catch(function () { setTimeout(poll, 3000); });
    }
    setTimeout(poll, 1000);
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll(".facet[data-facet]").forEach(addFilterBox);
    document.querySelectorAll("[data-status-url]").forEach(followBatchJob);
  });
})();
