// The tracker's behaviour in the admin, from a file: the Content-Security-Policy runs no inline script or handler.
"use strict";
(function () {
  // The search-as-you-type list filters apply as soon as a value is chosen (or cleared). select2 announces its
  // choice with a jQuery event, which listeners added with addEventListener do not hear.
  function applyFiltersOnChange() {
    if (!window.django || !window.django.jQuery) return;
    window.django.jQuery(document).on("change", "form.autocomplete-list-filter select", function () {
      this.form.submit();
    });
  }

  // The source workbench: highlight, live, the excerpt being typed in any record's excerpt box.
  function highlightExcerpts() {
    const box = document.getElementById("source-text");
    if (!box) return;
    const original = box.innerHTML;
    const norm = s => s.replace(/\s+/g, " ").replace(/[\u2018\u2019]/g, "'").replace(/[\u201c\u201d]/g, '"').trim();
    document.addEventListener("input", function (event) {
      if (!event.target.name || !event.target.name.endsWith("-excerpt")) return;
      box.innerHTML = original;
      const wanted = norm(event.target.value);
      if (wanted.length < 8) return;
      const walker = document.createTreeWalker(box, NodeFilter.SHOW_TEXT);
      let node;
      while ((node = walker.nextNode())) {
        const at = norm(node.textContent).indexOf(wanted);
        if (at >= 0 && node.textContent.indexOf(wanted) >= 0) {
          const start = node.textContent.indexOf(wanted);
          const range = document.createRange();
          range.setStart(node, start); range.setEnd(node, start + wanted.length);
          const mark = document.createElement("mark"); mark.className = "live";
          range.surroundContents(mark); mark.scrollIntoView({block: "center"});
          break;
        }
      }
    });
  }

  function start() {
    applyFiltersOnChange();
    highlightExcerpts();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
