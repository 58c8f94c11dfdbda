// Crisis Desk progressive enhancement. Every control works without this file: it only adds a filter box
// to long facet lists. (Sort and per-page keep their Apply button: submitting on change would jump
// pages while a keyboard user arrows through the options.)
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  function addFilterBox(facet) {
    var more = facet.querySelector("details.facet-more");
    if (!more) return;  // the server adds "more" only to lists too long to take in at a glance
    var rows = facet.querySelectorAll(".facet-value");
    var title = facet.querySelector(".facet-title");
    var name = facet.getAttribute("data-facet");
    var input = document.createElement("input");
    input.type = "search";
    input.className = "facet-filter";
    input.id = "facet-filter-" + name;
    input.placeholder = "Filter " + rows.length + " values…";
    input.setAttribute("aria-label", "Filter the " + title.textContent.trim().split(/\s+/)[0].toLowerCase() + " list");
    title.insertAdjacentElement("afterend", input);
    input.addEventListener("input", function () {
      var needle = input.value.trim().toLowerCase();
      rows.forEach(function (row) {
        var text = (row.getAttribute("data-filter-text") || "").toLowerCase();
        row.hidden = needle !== "" && text.indexOf(needle) === -1;
      });
      if (more && needle !== "") more.open = true;  // matches may sit behind "more"
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll(".facet[data-facet]").forEach(addFilterBox);
  });
})();
